// OpenBLAS's CBLAS (the pthread build's header, found through pkg-config) and
// LAPACK's C interface, which Debian ships separately (liblapacke-dev).
#include <cblas.h>
#include <lapacke.h>
