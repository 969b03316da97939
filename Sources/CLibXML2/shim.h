#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU; its headers then clash with Foundation's _FoundationICU
   ("'UErrorCode' has different definitions in different modules"). We never touch the ICU fields. */
#undef LIBXML_ICU_ENABLED
#include <libxml/tree.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

/* xmlFree is a global function-pointer variable: Swift 6 rejects touching it directly. */
static inline void cxml_free(void *p) { xmlFree(p); }

#endif
