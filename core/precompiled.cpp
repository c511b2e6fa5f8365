// The translation unit that compiles core/precompiled.h (cmake/build_speed.cmake).
