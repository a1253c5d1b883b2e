// layout_tmpl.h: per-element-size body of layout.c (U = element type, SFX(name) defined).

typedef struct {
    perm_plan p;
    const U *x;
    U *y;
    long dst[MCLCK_PERM_MAXDIM]; // output (dense) stride of each axis
    int q;                        // output axis that is contiguous in the source (case B)
    int nb;                       // number of batch axes (case B)
    int bax[MCLCK_PERM_MAXDIM];   // batch axes (case B)
    long nrb, ncb;                // row / column blocks (case B)
    int avx2;                     // use the AVX2 tile transposes (case B)
} SFX(perm_ctx);

/// Case A: output rows [b, e) of length ext[nd-1], each a contiguous run of the source.
static void SFX(perm_rows_task)(void *ctx, long b, long e)
{
    SFX(perm_ctx) *c = ctx;
    const perm_plan *p = &c->p;
    int nd = p->nd;
    long L = p->ext[nd - 1], idx[MCLCK_PERM_MAXDIM], off = 0, rem = b;
    for (int k = nd - 2; k >= 0; k--) {
        idx[k] = rem % p->ext[k];
        rem /= p->ext[k];
        off += idx[k] * p->src[k];
    }
    for (long r = b; r < e; r++) {
        memcpy(c->y + r * L, c->x + off, (size_t)L * sizeof(U));
        for (int k = nd - 2; k >= 0; k--) {
            off += p->src[k];
            if (++idx[k] < p->ext[k]) break;
            off -= idx[k] * p->src[k];
            idx[k] = 0;
        }
    }
}

/// Case B: task t = (batch index, row block, column block) of the 2-D transpose between the
/// innermost output axis R (source stride sR, output stride 1) and axis q (source stride 1,
/// output stride dst[q]); one BS x BS block per task.
static void SFX(perm_blocks_task)(void *ctx, long b, long e)
{
    SFX(perm_ctx) *c = ctx;
    const perm_plan *p = &c->p;
    int R = p->nd - 1, q = c->q;
    long sR = p->src[R], dq = c->dst[q], nR = p->ext[R], nQ = p->ext[q];
    for (long t = b; t < e; t++) {
        long cb = t % c->ncb, rest = t / c->ncb, rb = rest % c->nrb, bi = rest / c->nrb;
        long so = 0, dof = 0;
        for (int j = c->nb - 1; j >= 0; j--) {
            int ax = c->bax[j];
            long ij = bi % p->ext[ax];
            bi /= p->ext[ax];
            so += ij * p->src[ax];
            dof += ij * c->dst[ax];
        }
        long r0 = rb * MCLCK_PERM_BS, r1 = r0 + MCLCK_PERM_BS < nR ? r0 + MCLCK_PERM_BS : nR;
        long c0 = cb * MCLCK_PERM_BS, c1 = c0 + MCLCK_PERM_BS < nQ ? c0 + MCLCK_PERM_BS : nQ;
        const U *s = c->x + so;
        U *d = c->y + dof;
#if MCLCK_X86
        if (c->avx2) {
            SFX(mclck_avx2_transpose)(s + r0 * sR + c0, sR, d + c0 * dq + r0, dq, r1 - r0, c1 - c0);
            continue;
        }
#endif
        for (long cc = c0; cc < c1; cc++)
            for (long r = r0; r < r1; r++) d[r + cc * dq] = s[r * sR + cc];
    }
}

/// y = transpose(x, perm) on elements of type U (see the plan at the top of layout.c).
static void SFX(permute)(const U *x, const long *shape, const int *perm, int ndim, U *y)
{
    if (ndim < 0 || ndim > MCLCK_PERM_MAXDIM) return;
    SFX(perm_ctx) c = {.x = x, .y = y};
    if (!perm_plan_make(shape, perm, ndim, &c.p)) return;
    const perm_plan *p = &c.p;
    int nd = p->nd;
    long total = 1;
    for (int k = nd - 1; k >= 0; k--) {
        c.dst[k] = total;
        total *= p->ext[k];
    }
    if (p->src[nd - 1] == 1) { // case A
        long L = p->ext[nd - 1], g = (1L << 14) / L;
        mclck_run(total / L, g < 1 ? 1 : g, SFX(perm_rows_task), &c);
        return;
    }
    c.q = 0; // case B: the source's contiguous axis (stride 1) exists after dropping extent 1
    for (int k = 0; k < nd; k++)
        if (p->src[k] == 1) c.q = k;
    c.nb = 0;
    long nbatch = 1;
    for (int k = 0; k < nd - 1; k++)
        if (k != c.q) {
            c.bax[c.nb++] = k;
            nbatch *= p->ext[k];
        }
    c.avx2 = mclck_use_avx2();
    c.nrb = (p->ext[nd - 1] + MCLCK_PERM_BS - 1) / MCLCK_PERM_BS;
    c.ncb = (p->ext[c.q] + MCLCK_PERM_BS - 1) / MCLCK_PERM_BS;
    mclck_run(nbatch * c.nrb * c.ncb, 16, SFX(perm_blocks_task), &c);
}
