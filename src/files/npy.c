/* NumPy .npy reading: validate the header, then map the data in place.
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 * magic "\x93NUMPY", major, minor, header length (uint16 for v1, uint32 for
 * v2/v3), then an ASCII Python dict literal with 'descr', 'fortran_order'
 * and 'shape'. */
#include "files/array_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { NPY_MAX_DIMS = 8 };

typedef struct npy_header {
    char byte_order;  /* '<', '>', '|' or '=' */
    char kind;        /* 'f', 'i', 'u', ... */
    size_t item_size;
    int fortran_order;
    size_t ndim;
    uint64_t shape[NPY_MAX_DIMS];
} npy_header;

/* Finds 'key' (with either quote style) in the dict and returns a pointer
 * just past the colon that follows it, or NULL. */
static const char *find_key(const char *dict, const char *end, const char *key)
{
    size_t key_len = strlen(key);
    for (const char *p = dict; p + key_len + 2 <= end; p++) {
        if ((*p == '\'' || *p == '"') && p[key_len + 1] == *p &&
            memcmp(p + 1, key, key_len) == 0) {
            const char *q = p + key_len + 2;
            while (q < end && isspace((unsigned char)*q))
                q++;
            if (q < end && *q == ':')
                return q + 1;
        }
    }
    return NULL;
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && isspace((unsigned char)*p))
        p++;
    return p;
}

static cascade_status parse_descr(const char *path, const char *value,
                                  const char *end, npy_header *h,
                                  cascade_error *error)
{
    const char *p = skip_space(value, end);
    if (p < end && (*p == '[' || *p == '{'))
        return cascade_error_set(error, CASCADE_ERR_DTYPE, path, -1, -1,
            "structured dtype in .npy header (expected a plain numeric dtype such as '<f4')");
    if (p >= end || (*p != '\'' && *p != '"'))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            ".npy header has a malformed 'descr' (expected a quoted dtype such as '<f4')");
    char quote = *p++;
    const char *close = memchr(p, quote, (size_t)(end - p));
    if (!close || close - p < 2 || close - p > 6)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            ".npy header has a malformed 'descr' (expected a quoted dtype such as '<f4')");
    char text[8] = {0};
    memcpy(text, p, (size_t)(close - p));
    h->byte_order = text[0];
    if (!strchr("<>|=", h->byte_order))
        return cascade_error_set(error, CASCADE_ERR_DTYPE, path, -1, -1,
            "unsupported dtype '%s' (expected a numeric dtype such as '<f4')", text);
    h->kind = text[1];
    /* Digits only: strtol alone would also take "<f 4" or "<f+4". */
    long size = 0;
    for (const char *d = text + 2; *d; d++)
        size = isdigit((unsigned char)*d) && size < 100 ? size * 10 + (*d - '0') : 1000;
    h->item_size = (size_t)size;
    if (h->kind == 'O')
        return cascade_error_set(error, CASCADE_ERR_DTYPE, path, -1, -1,
            "object dtype '%s' in .npy file (expected float16/32/64 or an integer type)", text);
    int supported = (h->kind == 'f' && (size == 2 || size == 4 || size == 8)) ||
                    ((h->kind == 'i' || h->kind == 'u') &&
                     (size == 1 || size == 2 || size == 4 || size == 8));
    if (!supported)
        return cascade_error_set(error, CASCADE_ERR_DTYPE, path, -1, -1,
            "unsupported dtype '%s' (expected float16, float32, float64 or an integer type)", text);
    return CASCADE_OK;
}

static cascade_status parse_shape(const char *path, const char *value,
                                  const char *end, npy_header *h,
                                  cascade_error *error)
{
    const char *p = skip_space(value, end);
    if (p >= end || *p != '(')
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            ".npy header has a malformed 'shape' (expected a tuple such as (10000, 10))");
    p++;
    h->ndim = 0;
    for (;;) {
        p = skip_space(p, end);
        if (p < end && *p == ')')
            break;
        if (p >= end || !isdigit((unsigned char)*p))
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                ".npy header has a malformed 'shape' (expected non-negative integers)");
        uint64_t dim = 0;
        while (p < end && isdigit((unsigned char)*p)) {
            unsigned digit = (unsigned)(*p - '0');
            if (dim > (UINT64_MAX - digit) / 10)
                return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
                    ".npy shape dimension overflows 64 bits");
            dim = dim * 10 + digit;
            p++;
        }
        if (h->ndim == NPY_MAX_DIMS)
            return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
                ".npy array has more than %d dimensions (expected 1-D or 2-D)", NPY_MAX_DIMS);
        h->shape[h->ndim++] = dim;
        p = skip_space(p, end);
        if (p < end && *p == ',')
            p++;
        else if (p < end && *p == ')')
            break;
        else
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                ".npy header has a malformed 'shape' (expected a tuple such as (10000, 10))");
    }
    return CASCADE_OK;
}

static cascade_status parse_header(const char *path, const char *dict, size_t len,
                                   npy_header *h, cascade_error *error)
{
    const char *end = dict + len;
    const char *descr = find_key(dict, end, "descr");
    const char *fortran = find_key(dict, end, "fortran_order");
    const char *shape = find_key(dict, end, "shape");
    if (!descr || !fortran || !shape)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            ".npy header lacks '%s' (expected 'descr', 'fortran_order' and 'shape')",
            !descr ? "descr" : !fortran ? "fortran_order" : "shape");
    cascade_status status = parse_descr(path, descr, end, h, error);
    if (status != CASCADE_OK)
        return status;
    fortran = skip_space(fortran, end);
    if (end - fortran >= 4 && memcmp(fortran, "True", 4) == 0)
        h->fortran_order = 1;
    else if (end - fortran >= 5 && memcmp(fortran, "False", 5) == 0)
        h->fortran_order = 0;
    else
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            ".npy header has a malformed 'fortran_order' (expected True or False)");
    return parse_shape(path, shape, end, h, error);
}

static cascade_dtype dtype_of(const npy_header *h)
{
    if (h->kind == 'f')
        return h->item_size == 2 ? CASCADE_DTYPE_F16
             : h->item_size == 4 ? CASCADE_DTYPE_F32 : CASCADE_DTYPE_F64;
    if (h->kind == 'i')
        return h->item_size == 1 ? CASCADE_DTYPE_I8
             : h->item_size == 2 ? CASCADE_DTYPE_I16
             : h->item_size == 4 ? CASCADE_DTYPE_I32 : CASCADE_DTYPE_I64;
    return h->item_size == 1 ? CASCADE_DTYPE_U8
         : h->item_size == 2 ? CASCADE_DTYPE_U16
         : h->item_size == 4 ? CASCADE_DTYPE_U32 : CASCADE_DTYPE_U64;
}

static void byte_swap(unsigned char *bytes, size_t count, size_t item_size)
{
    for (size_t i = 0; i < count; i++) {
        unsigned char *item = bytes + i * item_size;
        for (size_t a = 0, b = item_size - 1; a < b; a++, b--) {
            unsigned char t = item[a];
            item[a] = item[b];
            item[b] = t;
        }
    }
}

/* Validates the magic, version, header and size of a .npy file of FILE_SIZE
 * bytes whose first AVAILABLE bytes are BYTES. Fills *H and *OFFSET (where
 * the data starts) and returns CASCADE_OK; or, when the header runs past
 * AVAILABLE but fits the file, sets *NEEDED to the bytes it needs and returns
 * CASCADE_OK with *OFFSET 0, so that a reader can fetch them and call again. */
static cascade_status npy_describe(const char *path, const unsigned char *bytes,
                                   size_t available, size_t file_size, npy_header *h,
                                   size_t *offset, size_t *needed, cascade_error *error)
{
    *offset = 0;
    *needed = 0;
    if (file_size < 10 || available < 10 || memcmp(bytes, "\x93NUMPY", 6) != 0)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "not a .npy file (expected the magic bytes \\x93NUMPY)");
    unsigned major = bytes[6];
    size_t header_len, prefix;
    if (major == 1) {
        header_len = (size_t)bytes[8] | (size_t)bytes[9] << 8;
        prefix = 10;
    } else if (major == 2 || major == 3) {
        if (file_size < 12 || available < 12)
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "truncated .npy header (expected at least 12 bytes for version %u)", major);
        header_len = (size_t)bytes[8] | (size_t)bytes[9] << 8 |
                     (size_t)bytes[10] << 16 | (size_t)bytes[11] << 24;
        prefix = 12;
    } else {
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "unsupported .npy version %u.%u (expected 1.0, 2.0 or 3.0)", major, bytes[7]);
    }
    if (header_len > file_size - prefix)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            ".npy header length %zu points past the end of the %zu-byte file",
            header_len, file_size);
    if (header_len > available - prefix) {
        *needed = prefix + header_len;
        return CASCADE_OK;
    }
    memset(h, 0, sizeof *h);
    cascade_status status =
        parse_header(path, (const char *)bytes + prefix, header_len, h, error);
    if (status != CASCADE_OK)
        return status;
    if (h->ndim == 0 || h->ndim > 2)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "%zu-D array (expected 2-D (samples, classes) or 1-D labels)", h->ndim);
    uint64_t count = 1;
    for (size_t d = 0; d < h->ndim; d++) {
        if (h->shape[d] != 0 && count > UINT64_MAX / h->shape[d])
            return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
                ".npy shape product overflows 64 bits");
        count *= h->shape[d];
    }
    if (count > UINT64_MAX / h->item_size)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            ".npy data size overflows 64 bits");
    uint64_t data_size = count * h->item_size;
    size_t data_offset = prefix + header_len;
    if (data_size != (uint64_t)(file_size - data_offset))
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            ".npy header promises %llu bytes of data but the file holds %zu",
            (unsigned long long)data_size, file_size - data_offset);
    *offset = data_offset;
    return CASCADE_OK;
}

static void describe_array(const npy_header *h, cascade_array *out)
{
    out->dtype = dtype_of(h);
    out->ndim = h->ndim;
    out->rows = (size_t)h->shape[0];
    out->cols = h->ndim == 2 ? (size_t)h->shape[1] : 1;
}

cascade_status cascade_npy_parse(const char *path, const void *file_bytes,
                                 size_t file_size, cascade_array *out,
                                 cascade_error *error)
{
    const unsigned char *bytes = file_bytes;
    npy_header h;
    size_t offset, needed;
    cascade_status status =
        npy_describe(path, bytes, file_size, file_size, &h, &offset, &needed, error);
    if (status != CASCADE_OK)
        return status;
    uint64_t count = (uint64_t)(file_size - offset) / h.item_size;
    uint64_t data_size = count * h.item_size;
    describe_array(&h, out);
    const unsigned char *data = bytes + offset;
    int big_endian = h.byte_order == '>' && h.item_size > 1;
    int transpose = h.fortran_order && h.ndim == 2 && out->rows > 1 && out->cols > 1;
    int misaligned = ((uintptr_t)data % h.item_size) != 0;
    if (!big_endian && !transpose && !misaligned) {
        out->data = data;
        return CASCADE_OK;
    }
    /* Convert into an owned, native, C-order copy. */
    unsigned char *copy = malloc(data_size ? (size_t)data_size : 1);
    if (!copy)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1,
            "out of memory converting %llu bytes", (unsigned long long)data_size);
    if (transpose) {
        /* Fortran order: element (r, c) is at c * rows + r. */
        for (size_t r = 0; r < out->rows; r++)
            for (size_t c = 0; c < out->cols; c++)
                memcpy(copy + (r * out->cols + c) * h.item_size,
                       data + (c * out->rows + r) * h.item_size, h.item_size);
    } else {
        memcpy(copy, data, (size_t)data_size);
    }
    if (big_endian)
        byte_swap(copy, (size_t)count, h.item_size);
    out->owned = copy;
    out->data = copy;
    return CASCADE_OK;
}

cascade_status cascade_npy_open(const char *path, int *fd_out, size_t *size_out,
                                cascade_error *error)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
            "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot read: %s", strerror(saved));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
            "cannot read: %s (expected a regular .npy file)",
            S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    }
    if (st.st_size == 0) {
        close(fd);
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "empty file (expected a .npy array)");
    }
    *fd_out = fd;
    *size_out = (size_t)st.st_size;
    return CASCADE_OK;
}

cascade_status cascade_npy_load(const char *path, cascade_array *out,
                                cascade_error *error)
{
    int fd = -1;
    size_t size = 0;
    cascade_status opened = cascade_npy_open(path, &fd, &size, error);
    if (opened != CASCADE_OK)
        return opened;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int saved = errno;
    close(fd);
    if (map == MAP_FAILED)
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
            "cannot map: %s", strerror(saved));
    cascade_status status = cascade_npy_parse(path, map, size, out, error);
    if (status != CASCADE_OK) {
        munmap(map, size);
        free(out->owned);
        out->owned = NULL;
        return status;
    }
    if (out->owned) {
        munmap(map, size);
    } else {
        out->mapping = map;
        out->mapping_size = size;
        /* One sequential pass follows: ask for read-ahead. */
        posix_madvise(map, size, POSIX_MADV_SEQUENTIAL);
    }
    return CASCADE_OK;
}

cascade_status cascade_npy_read_header(const char *path, int fd, size_t file_size,
                                       cascade_array *out, size_t *data_offset,
                                       int *rows_in_place, cascade_error *error)
{
    /* Headers are 64-byte aligned and short; a bigger one is read again whole. */
    unsigned char first[4096];
    size_t want = file_size < sizeof first ? file_size : sizeof first;
    unsigned char *bytes = first;
    npy_header h;
    size_t needed = 0;
    cascade_status status = CASCADE_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t got = 0;
        while (got < want) {
            ssize_t n = pread(fd, bytes + got, want - got, (off_t)got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                status = cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                    "cannot read: %s", n < 0 ? strerror(errno) : "the file ended early");
                goto done;
            }
            got += (size_t)n;
        }
        status = npy_describe(path, bytes, got, file_size, &h, data_offset, &needed, error);
        if (status != CASCADE_OK || needed == 0)
            break;
        want = needed;
        bytes = malloc(want);
        if (!bytes) {
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1,
                                       "out of memory reading a %zu-byte .npy header", want);
            goto done;
        }
    }
    if (status == CASCADE_OK) {
        describe_array(&h, out);
        out->data = NULL;
        *rows_in_place = !(h.byte_order == '>' && h.item_size > 1) &&
                         !(h.fortran_order && h.ndim == 2 && out->rows > 1 && out->cols > 1);
    }
done:
    if (bytes != first)
        free(bytes);
    return status;
}
