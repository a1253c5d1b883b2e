// winograd_tmpl.h: 3x3, stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3)
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), one instantiation
// per type and ISA (included by mlp.c after mlp_gemm_tmpl.h, whose layer product it uses).
// Defined by the includer: T, SFX(name), TGT.
//
// Each 2x2 block of outputs is computed from the 4x4 input patch d under it as
// Y = A^T [(G g G^T) . (B^T d B)] A, elementwise product in the middle: 16 products per input and
// output channel pair instead of 36, so the 16 products of all channel pairs are 16 matrix
// products [tiles x C] . [C x F]. The transforms only add, subtract and halve (exact in binary
// floating point apart from the rounding of the sums), and results differ from the direct sum
// by a few rounding errors of the largest terms.
//
// Layouts: the transformed kernel U holds 16 matrices [C x F], each in the packed layout of
// SFX(pack); per block of tiles, V holds 16 matrices [tiles x C] and M 16 matrices [tiles x F].

/// Scalars of the transformed, packed kernel.
static inline long SFX(wino_kernel_size)(long C, long F)
{
    return 16 * SFX(packed_size)(C, F);
}

/// U = G g G^T for every (c, f) of the kernel g [3 * 3 * C, F] (rows in (kh, kw, c) order, as
/// im2col's columns), each of the 16 matrices packed; `tmp` holds 16 * C * F scalars.
static void SFX(wino_kernel)(long C, long F, const T *g, T *tmp, T *dst)
{
    for (long c = 0; c < C; c++)
        for (long f = 0; f < F; f++) {
            T k[3][3], t[4][3];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) k[i][j] = g[((i * 3 + j) * C + c) * F + f];
            for (int j = 0; j < 3; j++) {
                t[0][j] = k[0][j];
                t[1][j] = (k[0][j] + k[1][j] + k[2][j]) * (T)0.5;
                t[2][j] = (k[0][j] - k[1][j] + k[2][j]) * (T)0.5;
                t[3][j] = k[2][j];
            }
            for (int i = 0; i < 4; i++) {
                T *u = tmp + (long)(i * 4) * C * F + c * F + f;
                u[0] = t[i][0];
                u[C * F] = (t[i][0] + t[i][1] + t[i][2]) * (T)0.5;
                u[2 * C * F] = (t[i][0] - t[i][1] + t[i][2]) * (T)0.5;
                u[3 * C * F] = t[i][2];
            }
        }
    const long packed = SFX(packed_size)(C, F);
    for (int x = 0; x < 16; x++) SFX(pack)(0, C, F, tmp + (long)x * C * F, F, dst + x * packed);
}

#define WV SFX(gvec)
#define WVL SFX(gvl)
#define WLOAD(v, p) memcpy(&(v), (p), sizeof(WV))
#define WSTORE(p, v) memcpy((p), &(v), sizeof(WV))

/// The input transform of channels [c, c + width) of one tile (d: the 4x4 patch at p), stored
/// into the 16 planes of V at v.
#define WINO_IN(TYPE, LOAD, STORE)                                                                 \
    do {                                                                                           \
        TYPE d[4][4], u[4][4], o;                                                                  \
        for (int i = 0; i < 4; i++)                                                                \
            for (int j = 0; j < 4; j++) LOAD(d[i][j], p + i * ldx + j * C + c);                    \
        for (int j = 0; j < 4; j++) {                                                              \
            u[0][j] = d[0][j] - d[2][j];                                                           \
            u[1][j] = d[1][j] + d[2][j];                                                           \
            u[2][j] = d[2][j] - d[1][j];                                                           \
            u[3][j] = d[1][j] - d[3][j];                                                           \
        }                                                                                          \
        for (int i = 0; i < 4; i++) {                                                              \
            o = u[i][0] - u[i][2]; STORE(v + (i * 4 + 0) * plane + c, o);                          \
            o = u[i][1] + u[i][2]; STORE(v + (i * 4 + 1) * plane + c, o);                          \
            o = u[i][2] - u[i][1]; STORE(v + (i * 4 + 2) * plane + c, o);                          \
            o = u[i][1] - u[i][3]; STORE(v + (i * 4 + 3) * plane + c, o);                          \
        }                                                                                          \
    } while (0)
#define WSLOAD(x, p) ((x) = *(p))
#define WSSTORE(p, x) (*(p) = (x))

/// V[x][t][c] = (B^T d B)[x] for the tiles t of one block: tile t at input rows 2 * (r0 + t / tw)
/// and columns 2 * (t % tw) of the image (rows ldx scalars apart). Channels in vectors of WVL,
/// the rest one by one (the same arithmetic).
TGT static void SFX(wino_input)(const T *restrict img, long ldx, long C, long r0, long tiles, long tw, T *restrict V)
{
    const long plane = tiles * C, cv = C / WVL * WVL;
    for (long t = 0; t < tiles; t++) {
        const T *p = img + 2 * (r0 + t / tw) * ldx + 2 * (t % tw) * C;
        T *v = V + t * C;
        for (long c = 0; c < cv; c += WVL) WINO_IN(WV, WLOAD, WSTORE);
        for (long c = cv; c < C; c++) WINO_IN(T, WSLOAD, WSSTORE);
    }
}

/// The output transform of filters [f, f + WVL) of one tile: r[i][j] = (A^T M A)[i][j] + bias,
/// relu'd (NaN propagating) when `relu`.
#define WINO_OUT(TYPE, LOAD, RELU)                                                                 \
    do {                                                                                           \
        TYPE s[2][4], m0, m1, m2, m3, b = {0};                                                     \
        for (int j = 0; j < 4; j++) {                                                              \
            LOAD(m0, m + j * plane + f);                                                           \
            LOAD(m1, m + (4 + j) * plane + f);                                                     \
            LOAD(m2, m + (8 + j) * plane + f);                                                     \
            LOAD(m3, m + (12 + j) * plane + f);                                                    \
            s[0][j] = m0 + m1 + m2;                                                                \
            s[1][j] = m1 - m2 - m3;                                                                \
        }                                                                                          \
        if (bias) LOAD(b, bias + f);                                                               \
        for (int i = 0; i < 2; i++) {                                                              \
            r[i][0] = s[i][0] + s[i][1] + s[i][2] + b;                                             \
            r[i][1] = s[i][1] - s[i][2] - s[i][3] + b;                                             \
            if (relu) { RELU(r[i][0]); RELU(r[i][1]); }                                            \
        }                                                                                          \
    } while (0)
#define WSRELU(x) ((x) = (x) > 0 ? (x) : ((x) == (x) ? (T)0 : (x)))

/// y = act(A^T M A + bias) for the tiles of one block, outputs past OH x OW dropped.
TGT static void SFX(wino_output)(const T *restrict Mx, long F, long r0, long tiles, long tw, long OH, long OW,
                                 const T *restrict bias, int relu, T *restrict y)
{
    const long plane = tiles * F, fv = F / WVL * WVL;
    for (long t = 0; t < tiles; t++) {
        const long oh = 2 * (r0 + t / tw), ow = 2 * (t % tw);
        const T *m = Mx + t * F;
        T *out[2][2];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                out[i][j] = oh + i < OH && ow + j < OW ? y + ((oh + i) * OW + ow + j) * F : NULL;
        for (long f = 0; f < fv; f += WVL) {
            WV r[2][2];
            WINO_OUT(WV, WLOAD, MLP_VRELU);
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    if (out[i][j]) WSTORE(out[i][j] + f, r[i][j]);
        }
        for (long f = fv; f < F; f++) {
            T r[2][2];
            WINO_OUT(T, WSLOAD, WSRELU);
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    if (out[i][j]) out[i][j][f] = r[i][j];
        }
    }
}
#undef WINO_IN
#undef WINO_OUT
#undef WSLOAD
#undef WSSTORE
#undef WSRELU
#undef WLOAD
#undef WSTORE
#undef WV
#undef WVL

/// Tiles per block: whole rows of tiles, about 36 tiles (V and M of a block, 16 x 36 x C and
/// 16 x 36 x F scalars, stay in L2 for C, F <= 64).
static inline long SFX(wino_block_rows)(long tw)
{
    return tw >= 36 ? 1 : 36 / tw;
}

/// Scalars of scratch for one image: the padded image, then V and M of one block.
static inline long SFX(wino_scratch_size)(long C, long F, long OH, long OW)
{
    const long th = (OH + 1) / 2, tw = (OW + 1) / 2, tiles = SFX(wino_block_rows)(tw) * tw;
    return (2 * th + 2) * (2 * tw + 2) * C + 16 * tiles * (C + F);
}

/// One image x[H, W, C] (zero padding padTop, padLeft): y[OH * OW, F] = act(conv + bias).
TGT static void SFX(wino_image)(const T *x, long H, long W, long C, long padTop, long padLeft, long OH, long OW,
                                const T *U, long F, T *y, int act, const T *bias, T *scratch)
{
    const long th = (OH + 1) / 2, tw = (OW + 1) / 2, Hp = 2 * th + 2, Wp = 2 * tw + 2;
    conv_pad((const char *)x, H, W, C, padTop, padLeft, Hp, Wp, sizeof(T), (char *)scratch);
    const long rows = SFX(wino_block_rows)(tw), ldx = Wp * C, packed = SFX(packed_size)(C, F);
    T *V = scratch + Hp * Wp * C, *Mx = V + 16 * rows * tw * C;
    for (long r0 = 0; r0 < th; r0 += rows) {
        const long tiles = (th - r0 < rows ? th - r0 : rows) * tw;
        SFX(wino_input)(scratch, ldx, C, r0, tiles, tw, V);
        for (int k = 0; k < 16; k++) {
            mlp_gemm_args g = {tiles, F, C, C, F, 1, V + k * tiles * C, U + k * packed, NULL, NULL,
                               Mx + k * tiles * F, NULL, NULL, MCL_MLP_LINEAR};
            SFX(gemm)(&g);
        }
        SFX(wino_output)(Mx, F, r0, tiles, tw, OH, OW, bias, act == MCL_MLP_RELU, y);
    }
}
