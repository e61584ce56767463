// Carrier of a precompiled header (cmake/BuildSpeed.cmake); compiles to nothing.
