#include <libxml/xmlversion.h>
// Foundation links its own ICU; libxml2's ICU declarations clash with it on a clean build.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

// xmlFree is a global function pointer, which Swift 6 reports as not concurrency-safe.
static inline void taxon_xml_free(void *p) { xmlFree(p); }
