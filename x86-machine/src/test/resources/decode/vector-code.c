/*
 * Freestanding C that gcc vectorises: compiled at test time by CompilerOutputSpec for several -march
 * targets (SSE2 .. AVX-512 FP16, 64- and 32-bit) to get real compiler output of the vector, x87 and
 * bit-manipulation instruction sets, which objdump then reads as the reference.
 */
typedef signed char i8;
typedef unsigned char u8;
typedef short i16;
typedef unsigned short u16;
typedef int i32;
typedef unsigned int u32;
typedef long long i64;
typedef unsigned long long u64;

void saxpy(float *restrict y, const float *restrict x, float a, int n) { for (int i = 0; i < n; i++) y[i] += a * x[i]; }
double dot(const double *a, const double *b, int n) { double s = 0; for (int i = 0; i < n; i++) s += a[i] * b[i]; return s; }
void narrow(i8 *restrict o, const i32 *restrict in, int n) { for (int i = 0; i < n; i++) o[i] = (i8) in[i]; }
void widen(i64 *restrict o, const u16 *restrict in, int n) { for (int i = 0; i < n; i++) o[i] = in[i]; }
void gather(float *restrict o, const float *restrict t, const int *restrict idx, int n) { for (int i = 0; i < n; i++) o[i] = t[idx[i]]; }
void scatter(float *restrict o, const float *restrict t, const int *restrict idx, int n) { for (int i = 0; i < n; i++) o[idx[i]] = t[i]; }
int popcount(const u64 *a, int n) { int c = 0; for (int i = 0; i < n; i++) c += __builtin_popcountll(a[i]); return c; }
void minimum(i16 *restrict o, const i16 *restrict a, const i16 *restrict b, int n) { for (int i = 0; i < n; i++) o[i] = a[i] < b[i] ? a[i] : b[i]; }
void maximum(u8 *restrict o, const u8 *restrict a, const u8 *restrict b, int n) { for (int i = 0; i < n; i++) o[i] = a[i] > b[i] ? a[i] : b[i]; }
void roots(double *o, const double *a, int n) { for (int i = 0; i < n; i++) o[i] = __builtin_sqrt(a[i]) + __builtin_fma(a[i], 2.0, 1.0); }
long double extended(long double a, long double b, int k) { long double r = a; for (int i = 0; i < k; i++) r = r * b + 1.0L; return r / b; }
void tofloat(float *o, const double *a, int n) { for (int i = 0; i < n; i++) o[i] = (float) a[i]; }
void todouble(double *o, const i64 *a, int n) { for (int i = 0; i < n; i++) o[i] = (double) a[i]; }
void toint(i32 *o, const float *a, int n) { for (int i = 0; i < n; i++) o[i] = (i32) a[i]; }
void masked(int *restrict o, const int *restrict a, int n) { for (int i = 0; i < n; i++) if (a[i] > 3) o[i] = a[i] * 7; }
void shifts(u32 *restrict o, const u32 *restrict a, const u32 *restrict s, int n) { for (int i = 0; i < n; i++) o[i] = (a[i] << (s[i] & 31)) ^ (a[i] >> 3); }
void absdiff(u8 *restrict o, const u8 *restrict a, const u8 *restrict b, int n) { for (int i = 0; i < n; i++) o[i] = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i]; }
u32 sad(const u8 *a, const u8 *b, int n) { u32 s = 0; for (int i = 0; i < n; i++) s += a[i] > b[i] ? a[i] - b[i] : b[i] - a[i]; return s; }
void mul16(i16 *restrict o, const i16 *restrict a, const i16 *restrict b, int n) { for (int i = 0; i < n; i++) o[i] = (i16) ((a[i] * b[i]) >> 16); }
i64 mul64(const i64 *a, const i64 *b, int n) { i64 s = 0; for (int i = 0; i < n; i++) s += a[i] * b[i]; return s; }
void blend(float *restrict o, const float *restrict a, const float *restrict b, int n) { for (int i = 0; i < n; i++) o[i] = a[i] < b[i] ? a[i] : b[i] * 2.0f; }
void rounding(float *o, const float *a, int n) { for (int i = 0; i < n; i++) o[i] = __builtin_floorf(a[i]) + __builtin_truncf(a[i]); }
u64 bits(u64 x, u64 y, unsigned s) { return (x & ~y) ^ (x >> (s & 63)) ^ (u64) __builtin_ctzll(x | 1) ^ (y & (y - 1)) ^ (x & -x); }
u32 crc(u32 c, const u8 *p, int n) { for (int i = 0; i < n; i++) { c ^= p[i]; for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1)); } return c; }
void copy(u8 *restrict d, const u8 *restrict s, int n) { for (int i = 0; i < n; i++) d[i] = s[i]; }
float hsum(const float *a, int n) { float s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }
int compare(const double *a, const double *b, int n) { int c = 0; for (int i = 0; i < n; i++) c += a[i] >= b[i]; return c; }
#ifdef __AVX512FP16__
void half(_Float16 *restrict o, const _Float16 *restrict a, const _Float16 *restrict b, int n) { for (int i = 0; i < n; i++) o[i] = a[i] * b[i] + a[i]; }
#endif
