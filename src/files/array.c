/* cascade_array: dispatch by file extension, element access, release. */
#include "files/array_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

static int has_extension(const char *path, const char *extension)
{
    size_t n = strlen(path), e = strlen(extension);
    return n >= e && strcasecmp(path + n - e, extension) == 0;
}

cascade_status cascade_array_load(const char *path, cascade_array *out,
                                  cascade_error *error)
{
    if (!path || !out)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1,
                                 "no path or output array given");
    memset(out, 0, sizeof *out);
    if (has_extension(path, ".csv") || has_extension(path, ".txt"))
        return cascade_csv_array_load(path, out, error);
    return cascade_npy_load(path, out, error);
}

void cascade_array_free(cascade_array *array)
{
    if (!array)
        return;
    if (array->mapping)
        munmap(array->mapping, array->mapping_size);
    free(array->owned);
    memset(array, 0, sizeof *array);
}

size_t cascade_dtype_size(cascade_dtype dtype)
{
    switch (dtype) {
    case CASCADE_DTYPE_I8: case CASCADE_DTYPE_U8: return 1;
    case CASCADE_DTYPE_F16: case CASCADE_DTYPE_I16: case CASCADE_DTYPE_U16: return 2;
    case CASCADE_DTYPE_F32: case CASCADE_DTYPE_I32: case CASCADE_DTYPE_U32: return 4;
    case CASCADE_DTYPE_F64: case CASCADE_DTYPE_I64: case CASCADE_DTYPE_U64: return 8;
    }
    return 0;
}

const char *cascade_dtype_name(cascade_dtype dtype)
{
    switch (dtype) {
    case CASCADE_DTYPE_F16: return "float16";
    case CASCADE_DTYPE_F32: return "float32";
    case CASCADE_DTYPE_F64: return "float64";
    case CASCADE_DTYPE_I8: return "int8";
    case CASCADE_DTYPE_I16: return "int16";
    case CASCADE_DTYPE_I32: return "int32";
    case CASCADE_DTYPE_I64: return "int64";
    case CASCADE_DTYPE_U8: return "uint8";
    case CASCADE_DTYPE_U16: return "uint16";
    case CASCADE_DTYPE_U32: return "uint32";
    case CASCADE_DTYPE_U64: return "uint64";
    }
    return "unknown";
}

float cascade_half_to_float(uint16_t half)
{
    uint32_t sign = (uint32_t)(half & 0x8000u) << 16;
    uint32_t exponent = (half >> 10) & 0x1fu;
    uint32_t mantissa = half & 0x3ffu;
    uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {
        /* Subnormal half: normalise it. */
        exponent = 113;
        while (!(mantissa & 0x400u)) {
            mantissa <<= 1;
            exponent--;
        }
        bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
    }
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

void cascade_array_row(const cascade_array *array, size_t row, double *out)
{
    size_t cols = array->cols;
    switch (array->dtype) {
    case CASCADE_DTYPE_F32: {
        const float *z = (const float *)array->data + row * cols;
        for (size_t j = 0; j < cols; j++)
            out[j] = z[j];
        break;
    }
    case CASCADE_DTYPE_F64:
        memcpy(out, (const double *)array->data + row * cols, cols * sizeof *out);
        break;
    case CASCADE_DTYPE_F16: {
        const uint16_t *z = (const uint16_t *)array->data + row * cols;
        for (size_t j = 0; j < cols; j++)
            out[j] = cascade_half_to_float(z[j]);
        break;
    }
    default:
        for (size_t j = 0; j < cols; j++)
            out[j] = cascade_array_get(array, row, j);
    }
}

double cascade_array_get(const cascade_array *array, size_t row, size_t col)
{
    size_t i = row * array->cols + col;
    switch (array->dtype) {
    case CASCADE_DTYPE_F16: return cascade_half_to_float(((const uint16_t *)array->data)[i]);
    case CASCADE_DTYPE_F32: return ((const float *)array->data)[i];
    case CASCADE_DTYPE_F64: return ((const double *)array->data)[i];
    case CASCADE_DTYPE_I8: return ((const int8_t *)array->data)[i];
    case CASCADE_DTYPE_I16: return ((const int16_t *)array->data)[i];
    case CASCADE_DTYPE_I32: return ((const int32_t *)array->data)[i];
    case CASCADE_DTYPE_I64: return (double)((const int64_t *)array->data)[i];
    case CASCADE_DTYPE_U8: return ((const uint8_t *)array->data)[i];
    case CASCADE_DTYPE_U16: return ((const uint16_t *)array->data)[i];
    case CASCADE_DTYPE_U32: return ((const uint32_t *)array->data)[i];
    case CASCADE_DTYPE_U64: return (double)((const uint64_t *)array->data)[i];
    }
    return 0.0;
}
