// libpng's simplified read API (libpng-dev), found through pkg-config.
#include <png.h>
