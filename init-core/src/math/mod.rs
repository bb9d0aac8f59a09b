//! Portable elementary functions for the sampling path: own polynomials built from IEEE
//! `+ - * / sqrt` only, so the same bits come out on every platform (no platform libm).
