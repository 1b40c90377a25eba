#include "vision_kernels.h"

// Every kernel is an always-inline body compiled twice: once for AVX2 with
// FMA and once for the baseline, chosen per call from the CPU's features.
// (target_clones' "arch=" clones match CPU models, not features, so a newer
// Xeon got the baseline; AVX-512 measured slower than AVX2 on this machine.)
#if defined(__x86_64__)
#define TAXON_DISPATCH(name, params, args)                                                     \
    __attribute__((target("avx2,fma"))) static void name##_avx2 params { name##_body args; }  \
    static void name##_baseline params { name##_body args; }                                  \
    void taxon_##name params {                                                                 \
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) name##_avx2 args; \
        else name##_baseline args;                                                             \
    }
#else
#define TAXON_DISPATCH(name, params, args) \
    void taxon_##name params { name##_body args; }
#endif

static inline float relu6(float x) { return x < 0 ? 0 : (x > 6 ? 6 : x); }

// One output pixel's channels [c, c + block): the accumulators stay in
// registers over all taps (block is a constant after inlining).
static inline __attribute__((always_inline)) void pixel_block(
    int block, const float *restrict input, const float *restrict weights, const float *restrict bias,
    float *restrict out, int width, int channels, int kernel, int y0, int x0, int ky0, int ky1, int kx0, int kx1) {
    float acc[64];
    for (int j = 0; j < block; j++) acc[j] = bias[j];
    for (int ky = ky0; ky < ky1; ky++) {
        for (int kx = kx0; kx < kx1; kx++) {
            const float *restrict p = input + ((long)(y0 + ky) * width + (x0 + kx)) * channels;
            const float *restrict t = weights + (long)(ky * kernel + kx) * channels;
            for (int j = 0; j < block; j++) acc[j] += p[j] * t[j];
        }
    }
    for (int j = 0; j < block; j++) out[j] = relu6(acc[j]);
}

// One output row's pixels, channels [c, c + block) (block constant after inlining).
static inline __attribute__((always_inline)) void row_block(
    int block, const float *restrict input, const float *restrict weights, const float *restrict bias, float *restrict out,
    int width, int channels, int kernel, int stride, int left, int out_width, int y0, int ky0, int ky1) {
    for (int ox = 0; ox < out_width; ox++) {
        int x0 = ox * stride - left;
        int kx0 = x0 < 0 ? -x0 : 0, kx1 = width - x0 < kernel ? width - x0 : kernel;
        pixel_block(block, input, weights, bias, out + (long)ox * channels, width, channels, kernel, y0, x0, ky0, ky1, kx0, kx1);
    }
}

// Channel blocks outside the pixels: one block's taps (at most 25 × 64
// floats) stay in L1 across the row, instead of all channels' taps being
// fetched again for every pixel (measured 14 % faster at 14 × 14 × 480, 5 × 5).
static inline __attribute__((always_inline)) void depthwise_relu6_body(
    const float *input, int height, int width, int channels, const float *weights, const float *bias, int kernel, int stride,
    int top, int left, float *output, int out_width, int row_begin, int row_end) {
    for (int oy = row_begin; oy < row_end; oy++) {
        int y0 = oy * stride - top;
        int ky0 = y0 < 0 ? -y0 : 0, ky1 = height - y0 < kernel ? height - y0 : kernel;
        float *out = output + (long)oy * out_width * channels;
        int c = 0;
        for (; c + 64 <= channels; c += 64)
            row_block(64, input + c, weights + c, bias + c, out + c, width, channels, kernel, stride, left, out_width, y0, ky0, ky1);
        for (; c + 16 <= channels; c += 16)
            row_block(16, input + c, weights + c, bias + c, out + c, width, channels, kernel, stride, left, out_width, y0, ky0, ky1);
        for (; c < channels; c++)
            row_block(1, input + c, weights + c, bias + c, out + c, width, channels, kernel, stride, left, out_width, y0, ky0, ky1);
    }
}

// One output pixel's outputs [o, o + block) of a full convolution: each input
// value is broadcast against a row of the filter ([ky][kx][in][out] layout).
static inline __attribute__((always_inline)) void convolution_pixel_block(
    int block, const float *restrict input, const float *restrict weights, const float *restrict bias, float *restrict out,
    int width, int inputs, int outputs, int kernel, int relu6_on, int y0, int x0, int ky0, int ky1, int kx0, int kx1) {
    float acc[32];
    for (int j = 0; j < block; j++) acc[j] = bias[j];
    for (int ky = ky0; ky < ky1; ky++) {
        for (int kx = kx0; kx < kx1; kx++) {
            const float *restrict p = input + ((long)(y0 + ky) * width + (x0 + kx)) * inputs;
            const float *restrict t = weights + (long)(ky * kernel + kx) * inputs * outputs;
            for (int i = 0; i < inputs; i++)
                for (int j = 0; j < block; j++) acc[j] += p[i] * t[(long)i * outputs + j];
        }
    }
    for (int j = 0; j < block; j++) out[j] = relu6_on ? relu6(acc[j]) : acc[j];
}

static inline __attribute__((always_inline)) void convolution_body(
    const float *input, int height, int width, int inputs, const float *weights, const float *bias, int outputs, int kernel,
    int stride, int top, int left, int relu6_on, float *output, int out_width, int row_begin, int row_end) {
    for (int oy = row_begin; oy < row_end; oy++) {
        int y0 = oy * stride - top;
        int ky0 = y0 < 0 ? -y0 : 0, ky1 = height - y0 < kernel ? height - y0 : kernel;
        for (int ox = 0; ox < out_width; ox++) {
            int x0 = ox * stride - left;
            int kx0 = x0 < 0 ? -x0 : 0, kx1 = width - x0 < kernel ? width - x0 : kernel;
            float *out = output + ((long)oy * out_width + ox) * outputs;
            int o = 0;
            for (; o + 32 <= outputs; o += 32)
                convolution_pixel_block(32, input, weights + o, bias + o, out + o, width, inputs, outputs, kernel, relu6_on, y0, x0,
                                        ky0, ky1, kx0, kx1);
            for (; o < outputs; o++)
                convolution_pixel_block(1, input, weights + o, bias + o, out + o, width, inputs, outputs, kernel, relu6_on, y0, x0,
                                        ky0, ky1, kx0, kx1);
        }
    }
}

static inline __attribute__((always_inline)) void bias_relu6_residual_body(
    float *values, const float *bias, const float *residual, long rows, int columns, int relu6_on) {
    // Three plain loops over a row that is in L1: each vectorises (one loop
    // with the two conditions inside did not, and ran 10× slower).
    for (long r = 0; r < rows; r++) {
        float *restrict row = values + r * columns;
        for (int j = 0; j < columns; j++) row[j] += bias[j];
        if (relu6_on)
            for (int j = 0; j < columns; j++) row[j] = relu6(row[j]);
        if (residual)
            for (int j = 0; j < columns; j++) row[j] += residual[r * columns + j];
    }
}

TAXON_DISPATCH(depthwise_relu6,
               (const float *input, int height, int width, int channels, const float *weights, const float *bias, int kernel,
                int stride, int top, int left, float *output, int out_width, int row_begin, int row_end),
               (input, height, width, channels, weights, bias, kernel, stride, top, left, output, out_width, row_begin, row_end))

TAXON_DISPATCH(convolution,
               (const float *input, int height, int width, int inputs, const float *weights, const float *bias, int outputs,
                int kernel, int stride, int top, int left, int relu6_on, float *output, int out_width, int row_begin, int row_end),
               (input, height, width, inputs, weights, bias, outputs, kernel, stride, top, left, relu6_on, output, out_width,
                row_begin, row_end))

TAXON_DISPATCH(bias_relu6_residual, (float *values, const float *bias, const float *residual, long rows, int columns, int relu6_on),
               (values, bias, residual, rows, columns, relu6_on))

// Eight running sums per row: a dot product the compiler vectorises, in a fixed order (the scan is bound
// by memory, not by the sums).
static inline __attribute__((always_inline)) void rows_dot_body(const float *restrict matrix, long rows, int dims,
                                                                const float *restrict query, float *restrict out) {
    for (long r = 0; r < rows; r++) {
        const float *restrict row = matrix + r * (long)dims;
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int d = 0;
        for (; d + 8 <= dims; d += 8)
            for (int j = 0; j < 8; j++) acc[j] += row[d + j] * query[d + j];
        float sum = 0;
        for (; d < dims; d++) sum += row[d] * query[d];
        out[r] = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + sum;
    }
}
TAXON_DISPATCH(rows_dot, (const float *matrix, long rows, int dims, const float *query, float *out), (matrix, rows, dims, query, out))
