// The translation unit that compiles tests/precompiled.h (cmake/precompiled.cmake).
