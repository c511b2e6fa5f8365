// The translation unit that compiles tests/precompiled.h (cmake/build_speed.cmake).
