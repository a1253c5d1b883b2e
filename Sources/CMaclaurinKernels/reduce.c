// reduce.c: reduce_sum and reduce_max (with first argmax) over the middle axis of x viewed as
// [outer, mid, inner], for float and double (per-type code in reduce_tmpl.h).
//
// Determinism: every output element is computed in an order that does not depend on how the work
// is split (pairwise sums over a whole row, or groups of rows summed in a fixed order; tall column
// blocks compute the group sums in parallel and add them in the same order).
#include "ck_internal.h"
#include "mcl_runtime.h"
#include <math.h>
#include <string.h>

/// Columns of y handled together when inner > 1 (keeps the partial sums in L1).
#define MCLCK_RED_IB 1024L
/// Rows summed sequentially into a partial before it is added to the total (two-level summation:
/// the error grows like (RB + mid / RB) ulps instead of mid).
#define MCLCK_RED_RB 64L

#define MCLCK_TEMPLATE "reduce_tmpl.h"
#include "ck_instantiate.h"
