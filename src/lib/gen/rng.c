/*
 * rng.c — the generator's own PRNG (xoshiro256** seeded with splitmix64), so
 * that a seed gives the same académie on every machine and C library.
 */
#include "internal.h"

#include <math.h>

uint64_t gen_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void gen_rng_seed(gen_rng *r, uint64_t seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++) {
        r->s[i] = gen_splitmix64(&st);
    }
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t gen_rng_next(gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t gen_rng_below(gen_rng *r, uint64_t n)
{
    /* Lemire's multiply-shift with rejection: unbiased. */
    uint64_t x = gen_rng_next(r);
    __uint128_t m = (__uint128_t)x * n;
    uint64_t l = (uint64_t)m;
    if (l < n) {
        uint64_t t = (0 - n) % n;
        while (l < t) {
            x = gen_rng_next(r);
            m = (__uint128_t)x * n;
            l = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

int gen_rng_range(gen_rng *r, int lo, int hi)
{
    if (hi <= lo) {
        return lo;
    }
    return lo + (int)gen_rng_below(r, (uint64_t)(hi - lo) + 1);
}

double gen_rng_unit(gen_rng *r)
{
    return (double)(gen_rng_next(r) >> 11) * 0x1.0p-53;
}

bool gen_rng_chance(gen_rng *r, double p)
{
    return gen_rng_unit(r) < p;
}

double gen_rng_normal(gen_rng *r, double mean, double sd)
{
    double s = 0;
    for (int i = 0; i < 12; i++) {
        s += gen_rng_unit(r);
    }
    return mean + (s - 6.0) * sd;
}

size_t gen_rng_pick_cum(gen_rng *r, const uint64_t *cum, size_t n)
{
    uint64_t x = gen_rng_below(r, cum[n - 1]);
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > x) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

void gen_rng_shuffle(gen_rng *r, int *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gen_rng_below(r, i);
        int t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}
