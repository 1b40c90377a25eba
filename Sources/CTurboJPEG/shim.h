// libjpeg-turbo's TurboJPEG API (libturbojpeg0-dev): JPEG header and pixel decoding.
#include <turbojpeg.h>
