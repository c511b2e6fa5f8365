// The translation unit that compiles core/precompiled.h (cmake/precompiled.cmake).
