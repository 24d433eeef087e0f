// corridor — one exception hierarchy for the whole toolkit.
//
// Design notes: the core raises InputError where it first sees a bad value (a builder is handed
// a "where" string by the reader: file and line or feature), geo turns GDAL/PROJ/GEOS failures
// into IoError or CrsError at its boundary, and the bindings register each type once
// (InputError -> ValueError subclass, IoError -> OSError subclass).
#pragma once

#include <stdexcept>
#include <string>

namespace corridor {

/// Base of every error corridor raises.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad input data: the message names the file, the line or feature, and the field.
class InputError : public Error {
 public:
  using Error::Error;
};

/// A file or layer could not be opened, read or written.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A coordinate reference system is unknown or a transformation failed.
class CrsError : public Error {
 public:
  using Error::Error;
};

}  // namespace corridor
