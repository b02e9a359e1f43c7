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

// Classification by nibble (after W. Mula and D. Lemire, "Faster Base64 encoding and decoding
// using AVX2 instructions", adapted to the url alphabet). Characters fall in classes by their high
// nibble: 2 ('-'), 3 (digits), 4 and 6 (letters from low nibble 1), 5 (letters to 0xA, and '_'),
// 7 (letters to 0xA); every other high nibble, including those of bytes >= 0x80, is class 0x20,
// never valid. invalidForLow()[low] holds the classes in which that low nibble is not in the
// alphabet, so a character is valid exactly when classOfHigh()[high] & invalidForLow()[low] is
// zero. Base64url.RejectsEveryForeignByteAtEveryPosition checks all 256 byte values.
#define PARLEY_NIBBLE_TABLE(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)

[[gnu::target("avx2")]] inline __m256i classOfHigh() {
    return PARLEY_NIBBLE_TABLE(0x20, 0x20, 0x01, 0x02, 0x04, 0x08, 0x04, 0x10, //
                               0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20);
}

[[gnu::target("avx2")]] inline __m256i invalidForLow() {
    return PARLEY_NIBBLE_TABLE(0x25, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, //
                               0x21, 0x21, 0x23, 0x3b, 0x3b, 0x3a, 0x3b, 0x33);
}

// What to add to a valid character to get its 6-bit value, by high nibble; '_' (high nibble 5,
// which it shares with 'P'..'Z') is looked up at 5 | 8 = 13, a slot no valid character uses.
[[gnu::target("avx2")]] inline __m256i shiftOfHigh() {
    return PARLEY_NIBBLE_TABLE(0, 0, 62 - '-', 52 - '0', -'A', -'A', 26 - 'a', 26 - 'a', //
                               0, 0, 0, 0, 0, 63 - '_', 0, 0);
}

#undef PARLEY_NIBBLE_TABLE

// Decodes 32 characters into 24 bytes, in the low 24 bytes of the result; sets bits of `invalid`
// for characters outside the alphabet.
[[gnu::target("avx2")]] inline __m256i decodeStep(const char* in, __m256i& invalid) {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD load.
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
    const __m256i high = _mm256_and_si256(_mm256_srli_epi32(c, 4), nibble);
    const __m256i low = _mm256_and_si256(c, nibble);
    invalid = _mm256_or_si256(invalid, _mm256_and_si256(_mm256_shuffle_epi8(classOfHigh(), high),
                                                        _mm256_shuffle_epi8(invalidForLow(), low)));
    const __m256i underscore = _mm256_cmpeq_epi8(c, _mm256_set1_epi8('_'));
    const __m256i shift_index =
        _mm256_or_si256(high, _mm256_and_si256(underscore, _mm256_set1_epi8(8)));
    const __m256i values = _mm256_add_epi8(c, _mm256_shuffle_epi8(shiftOfHigh(), shift_index));
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
    __m256i invalid = _mm256_setzero_si256();
    while (result.consumed + kRoomForStore <= encoded.size()) {
        const __m256i packed = decodeStep(encoded.data() + result.consumed, invalid);
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD store.
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), packed);
        out += kStepBytes;
        result.consumed += kStep;
    }
    // Fewer than 43 characters left: at most one more step, storing exactly its 24 bytes.
    if (result.consumed + kStep <= encoded.size()) {
        const __m256i packed = decodeStep(encoded.data() + result.consumed, invalid);
        // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): unaligned SIMD stores.
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(packed));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 16), _mm256_extracti128_si256(packed, 1));
        // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
        result.consumed += kStep;
    }
    // One test at the end, not one per step: a bad token costs the same as a good one here.
    result.invalid = _mm256_testz_si256(invalid, invalid) == 0;
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
