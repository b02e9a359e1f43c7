#include "token/base64url_wide.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace parley::token::base64url {

#if defined(__x86_64__)
namespace {

// Each step decodes 32 characters into 24 bytes but stores 32 (8 scratch that the next step or
// the scalar tail overwrites). 43 characters left in the input guarantee 32 bytes of room in
// `out`; closer to the end the last step stores its 24 bytes exactly.
constexpr std::size_t kStep = 32;
constexpr std::size_t kStepBytes = kStep / 4 * 3;
constexpr std::size_t kRoomForStore = 43;

// Mask of the lanes of `c` in [lo, hi]. Bytes >= 0x80 are negative as signed bytes and so fall
// outside every range of the (ASCII) alphabet.
[[gnu::target("avx2")]] inline __m256i inRange(__m256i c, char lo, char hi) {
    return _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                            _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), c));
}

// Decodes 32 characters into 24 bytes, in the low 24 bytes of the result; clears lanes of
// `all_valid` for characters outside the alphabet.
[[gnu::target("avx2")]] inline __m256i decodeStep(const char* in, __m256i& all_valid) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD load.
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
    const __m256i upper = inRange(c, 'A', 'Z');
    const __m256i lower = inRange(c, 'a', 'z');
    const __m256i digit = inRange(c, '0', '9');
    const __m256i dash = _mm256_cmpeq_epi8(c, _mm256_set1_epi8('-'));
    const __m256i underscore = _mm256_cmpeq_epi8(c, _mm256_set1_epi8('_'));
    all_valid = _mm256_and_si256(
        all_valid, _mm256_or_si256(_mm256_or_si256(upper, lower),
                                   _mm256_or_si256(_mm256_or_si256(digit, dash), underscore)));
    // Per character class, the amount that turns the character into its 6-bit value.
    const __m256i shift = _mm256_or_si256(
        _mm256_or_si256(_mm256_and_si256(upper, _mm256_set1_epi8(-'A')),
                        _mm256_and_si256(lower, _mm256_set1_epi8(26 - 'a'))),
        _mm256_or_si256(_mm256_and_si256(digit, _mm256_set1_epi8(52 - '0')),
                        _mm256_or_si256(_mm256_and_si256(dash, _mm256_set1_epi8(62 - '-')),
                                        _mm256_and_si256(underscore, _mm256_set1_epi8(63 - '_')))));
    const __m256i values = _mm256_add_epi8(c, shift);
    // Merges 6-bit values pairwise (a * 64 + b) and then the pairs (ab * 4096 + cd): 24 bits per
    // 32-bit lane, first output byte highest.
    const __m256i pairs = _mm256_maddubs_epi16(values, _mm256_set1_epi32(0x01400140));
    const __m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    // Within each 128-bit half: the three bytes of each lane, most significant first, packed
    // into the low 12 bytes; then the two halves' 12 bytes made adjacent.
    const __m256i pack_bytes =
        _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, //
                         2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    return _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(quads, pack_bytes),
                                       _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
}

[[gnu::target("avx2")]] WideResult decodeAvx2(std::string_view encoded, unsigned char* out) {
    WideResult result;
    __m256i all_valid = _mm256_set1_epi8(-1);
    while (result.consumed + kRoomForStore <= encoded.size()) {
        const __m256i packed = decodeStep(encoded.data() + result.consumed, all_valid);
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD store.
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), packed);
        out += kStepBytes;
        result.consumed += kStep;
    }
    // Fewer than 43 characters left: at most one more step, storing exactly its 24 bytes.
    if (result.consumed + kStep <= encoded.size()) {
        const __m256i packed = decodeStep(encoded.data() + result.consumed, all_valid);
        // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD stores.
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(packed));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 16), _mm256_extracti128_si256(packed, 1));
        // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
        result.consumed += kStep;
    }
    // One test at the end, not one per step: a bad token costs the same as a good one here.
    result.invalid = _mm256_movemask_epi8(all_valid) != -1;
    return result;
}

} // namespace

WideResult decodeWide(std::string_view encoded, unsigned char* out) {
    if (encoded.size() < kStep || __builtin_cpu_supports("avx2") == 0) {
        return {};
    }
    return decodeAvx2(encoded, out);
}

#else

WideResult decodeWide(std::string_view /*encoded*/, unsigned char* /*out*/) {
    return {};
}

#endif

} // namespace parley::token::base64url
