// ck_instantiate.h: instantiates the per-type template MCLCK_TEMPLATE (a quoted file name) for
// float (SFX(name) = name_f, PUB(name) = mcl_s_name) and double (name_d, mcl_d_name). Define
// MCLCK_TEMPLATE, include this file, and it undefines everything it defined.
//
//     #define MCLCK_TEMPLATE "conv_tmpl.h"
//     #include "ck_instantiate.h"

#ifndef MCLCK_TEMPLATE
#error "define MCLCK_TEMPLATE before including ck_instantiate.h"
#endif

#define T float
#define SFX(name) name##_f
#define PUB(name) mcl_s_##name
#include MCLCK_TEMPLATE
#undef T
#undef SFX
#undef PUB

#define T double
#define SFX(name) name##_d
#define PUB(name) mcl_d_##name
#include MCLCK_TEMPLATE
#undef T
#undef SFX
#undef PUB

#undef MCLCK_TEMPLATE
