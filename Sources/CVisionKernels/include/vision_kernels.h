// Inner loops of the image network that Swift cannot vectorise past SSE:
// each is compiled for AVX-512, AVX2/FMA and baseline x86-64 and picked at
// load time for the CPU at hand (target_clones; other architectures get the
// plain build).
#ifndef TAXON_VISION_KERNELS_H
#define TAXON_VISION_KERNELS_H

/// Depthwise convolution of one NHWC image, output rows [row_begin, row_end):
/// out[oy][ox][c] = relu6(bias[c] + Σ in[oy·s + ky − top][ox·s + kx − left][c] · w[ky][kx][c]),
/// taps outside the input counted as zero (TensorFlow "same" padding).
void taxon_depthwise_relu6(const float *input, int height, int width, int channels,
                           const float *weights, const float *bias, int kernel, int stride, int top, int left,
                           float *output, int out_width, int row_begin, int row_end);

/// Full convolution of one NHWC image, output rows [row_begin, row_end), for
/// few input channels (the network's stem): weights in [ky][kx][in][out] order,
/// out[oy][ox][o] = bias[o] + Σ in[iy][ix][i] · w[ky][kx][i][o], then ReLU6 when relu6 is set.
void taxon_convolution(const float *input, int height, int width, int inputs, const float *weights, const float *bias, int outputs,
                       int kernel, int stride, int top, int left, int relu6, float *output, int out_width, int row_begin, int row_end);

/// Each row of values (rows × columns) gets the bias added, then ReLU6 when
/// relu6 is set, then the same row of residual when residual is not NULL.
void taxon_bias_relu6_residual(float *values, const float *bias, const float *residual, long rows, int columns, int relu6);

/// out[r] = Σ matrix[r][d] · query[d] for rows [0, rows) of a row-major rows × dims matrix.
void taxon_rows_dot(const float *matrix, long rows, int dims, const float *query, float *out);

#endif
