// Placeholder until the kernels land.
#include "maclaurin_kernels.h"
