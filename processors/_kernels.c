/* processors._kernels: compiled inner loops of processors.embeddings.
 *
 * The search: a sparse query against a matrix's posting lists (for each feature, the rows
 * that have it and their weights), the search that routing and intent matching make for
 * every event. numpy's blocked version of it (processors.embeddings._Postings) spends most
 * of a search in the calls that set it up; this loop reads the same cells in the same order
 * and adds the same float32 products as float64, as numpy's bincount does, so the two give
 * the same bits (tests/unit/test_kernels.py holds them to it).
 *
 * The count: a text's hashed features, sorted and counted into distinct features and their
 * term frequencies (processors.embeddings._counted), in one call instead of seven numpy ones.
 *
 * Built by setuptools as an optional extension: without a C compiler the package installs
 * without it and processors.embeddings uses numpy alone.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A C-contiguous buffer of items of `itemsize` bytes whose format is one of `formats`. */
static int
take_buffer(PyObject *obj, Py_buffer *view, int writable, Py_ssize_t itemsize,
            const char *formats, const char *fn, const char *what)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    const char *format = view->format ? view->format : "B";
    if (format[0] == '=' || format[0] == '<' || format[0] == '@')
        format++;
    if (view->itemsize != itemsize || strlen(format) != 1 || !strchr(formats, format[0])) {
        PyErr_Format(PyExc_TypeError, "%s: %s must hold items of %zd bytes, of format %s",
                     fn, what, itemsize, formats);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

#define N_BUFFERS 8
enum { STARTS, STOPS, ROWS, WEIGHTS, IDX, QWEIGHTS, DISTINCT, OUT };

static PyObject *
postings_dot(PyObject *self, PyObject *args)
{
    static const char *names[N_BUFFERS] = {"starts", "stops", "rows", "weights",
                                           "idx", "qweights", "distinct", "out"};
    static const Py_ssize_t sizes[N_BUFFERS] = {8, 8, 4, 4, 8, 4, 8, 4};
    static const char *kinds[N_BUFFERS] = {"lq", "lq", "i", "f", "lq", "f", "lq", "f"};
    PyObject *objs[N_BUFFERS];
    Py_buffer views[N_BUFFERS];
    Py_ssize_t n_sums;
    int held = 0;
    double *sums = NULL;

    if (!PyArg_ParseTuple(args, "OOOOnOOOO:postings_dot", &objs[STARTS], &objs[STOPS],
                          &objs[ROWS], &objs[WEIGHTS], &n_sums, &objs[IDX], &objs[QWEIGHTS],
                          &objs[DISTINCT], &objs[OUT]))
        return NULL;
    for (; held < N_BUFFERS; held++) {
        if (held == DISTINCT && objs[DISTINCT] == Py_None) {
            views[DISTINCT].buf = NULL;
            views[DISTINCT].len = 0;
            views[DISTINCT].obj = NULL;
            continue;
        }
        if (take_buffer(objs[held], &views[held], held == OUT, sizes[held], kinds[held],
                        "postings_dot", names[held]) < 0)
            goto fail;
    }
    {
        const int64_t *starts = views[STARTS].buf, *stops = views[STOPS].buf;
        const int32_t *rows = views[ROWS].buf;
        const float *weights = views[WEIGHTS].buf, *qweights = views[QWEIGHTS].buf;
        const int64_t *idx = views[IDX].buf, *distinct = views[DISTINCT].buf;
        float *out = views[OUT].buf;
        Py_ssize_t n_features = views[STARTS].len / 8, n_cells = views[ROWS].len / 4;
        Py_ssize_t k = views[IDX].len / 8, n_out = views[OUT].len / 4;

        if (views[STOPS].len / 8 != n_features || views[WEIGHTS].len / 4 != n_cells ||
            views[QWEIGHTS].len / 4 != k || n_sums < 0 ||
            (distinct ? views[DISTINCT].len / 8 != n_out : n_sums != n_out)) {
            PyErr_SetString(PyExc_ValueError, "postings_dot: lengths do not match");
            goto fail;
        }
        sums = calloc(n_sums > 0 ? (size_t)n_sums : 1, sizeof(double));
        if (sums == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        for (Py_ssize_t i = 0; i < k; i++) {
            int64_t f = idx[i];
            if (f < 0 || f >= n_features) {
                PyErr_SetString(PyExc_IndexError, "postings_dot: feature out of range");
                goto fail;
            }
            int64_t start = starts[f], stop = stops[f];
            if (start < 0 || stop > n_cells || start > stop) {
                PyErr_SetString(PyExc_IndexError, "postings_dot: cells out of range");
                goto fail;
            }
            float w = qweights[i];
            for (int64_t c = start; c < stop; c++) {
                int32_t r = rows[c];
                if (r < 0 || r >= n_sums) {
                    PyErr_SetString(PyExc_IndexError, "postings_dot: row out of range");
                    goto fail;
                }
                /* the float32 product, added as a float64: what bincount adds */
                float product = w * weights[c];
                sums[r] += (double)product;
            }
        }
        for (Py_ssize_t j = 0; j < n_out; j++) {
            int64_t r = distinct ? distinct[j] : j;
            if (r < 0 || r >= n_sums) {
                PyErr_SetString(PyExc_IndexError, "postings_dot: distinct row out of range");
                goto fail;
            }
            out[j] = (float)sums[r];
        }
    }
    free(sums);
    for (int j = 0; j < held; j++)
        if (views[j].obj != NULL)
            PyBuffer_Release(&views[j]);
    Py_RETURN_NONE;
fail:
    free(sums);
    for (int j = 0; j < held; j++)
        if (views[j].obj != NULL)
            PyBuffer_Release(&views[j]);
    return NULL;
}

static int
compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* count_features(packed, tf, idx, counted) -> m
 * Sorts packed (int64 features, writable) in place; writes each distinct feature once,
 * ascending, to idx and its term frequency tf[count] to counted; returns how many (m), or
 * -1, having done nothing, when packed holds as many features as tf has counts or more
 * (the caller computes that text's frequencies itself, as it always did). */
static PyObject *
count_features(PyObject *self, PyObject *args)
{
    PyObject *objs[4];
    Py_buffer views[4];
    static const char *names[4] = {"packed", "tf", "idx", "counted"};
    static const Py_ssize_t sizes[4] = {8, 4, 8, 4};
    static const char *kinds[4] = {"lq", "f", "lq", "f"};
    static const int writable[4] = {1, 0, 1, 1};
    int held = 0;
    Py_ssize_t m = 0;

    if (!PyArg_ParseTuple(args, "OOOO:count_features", &objs[0], &objs[1], &objs[2], &objs[3]))
        return NULL;
    for (; held < 4; held++) {
        if (take_buffer(objs[held], &views[held], writable[held], sizes[held], kinds[held],
                        "count_features", names[held]) < 0)
            goto fail;
    }
    {
        int64_t *packed = views[0].buf, *idx = views[2].buf;
        const float *tf = views[1].buf;
        float *counted = views[3].buf;
        Py_ssize_t n = views[0].len / 8, n_tf = views[1].len / 4;
        Py_ssize_t room = views[2].len / 8;
        if (views[3].len / 4 != room) {
            PyErr_SetString(PyExc_ValueError, "count_features: lengths do not match");
            goto fail;
        }
        if (n >= n_tf) {
            m = -1; /* numpy's way for a text this long: the same frequencies, computed */
            goto done;
        }
        qsort(packed, (size_t)n, sizeof(int64_t), compare_int64);
        for (Py_ssize_t i = 0; i < n;) {
            Py_ssize_t j = i + 1; /* a count is at most n < n_tf: tf holds it */
            while (j < n && packed[j] == packed[i])
                j++;
            if (m >= room) {
                PyErr_SetString(PyExc_ValueError, "count_features: no room for the features");
                goto fail;
            }
            idx[m] = packed[i];
            counted[m] = tf[j - i];
            m++;
            i = j;
        }
    }
done:
    for (int j = 0; j < held; j++)
        PyBuffer_Release(&views[j]);
    return PyLong_FromSsize_t(m);
fail:
    for (int j = 0; j < held; j++)
        PyBuffer_Release(&views[j]);
    return NULL;
}

static PyMethodDef methods[] = {
    {"count_features", count_features, METH_VARARGS,
     "count_features(packed, tf, idx, counted) -> m\n\n"
     "Sort the int64 features in packed (in place); write each distinct one, ascending, to\n"
     "idx and tf[its count] to counted; return how many, or -1 when a count is beyond tf."},
    {"postings_dot", postings_dot, METH_VARARGS,
     "postings_dot(starts, stops, rows, weights, n_sums, idx, qweights, distinct, out)\n\n"
     "For each query feature idx[i] in order and each of its cells c in starts..stops, add\n"
     "the float32 product qweights[i] * weights[c] as a float64 to sum rows[c]; then\n"
     "out[j] = float32(sum[distinct[j]]) (sum[j] when distinct is None)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels",
    "Compiled inner loops of processors.embeddings (optional: numpy does the same).", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__kernels(void)
{
    return PyModule_Create(&module);
}
