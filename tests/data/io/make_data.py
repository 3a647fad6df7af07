#!/usr/bin/env python3
"""Regenerates the small I/O test files in this directory (Python 3 standard library only, no NumPy).

The expected values are repeated in tests/io/test_io_readers.cpp; change both together.
"""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(name, data, gz=False):
    path = os.path.join(HERE, name)
    if gz:
        # mtime=0 keeps the files byte-identical between runs
        with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
            g.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def idx(type_byte, dims, payload):
    return bytes([0, 0, type_byte, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


# IDX: 3 images of 2 x 3 pixels, and their labels.
IMAGES = [[0, 1, 2, 3, 4, 5], [255, 128, 7, 0, 0, 9], [10, 20, 30, 40, 50, 60]]
LABELS = [7, 0, 9]
img = idx(0x08, [3, 2, 3], bytes(v for row in IMAGES for v in row))
put("tiny-images-idx3-ubyte.gz", img, gz=True)
put("tiny-labels-idx1-ubyte.gz", idx(0x08, [3], bytes(LABELS)), gz=True)
put("plain-images-idx3-ubyte", img)  # no sibling label file

# CSV: quoted header, blanks around fields, '+' signs, NaN/Inf, CRLF line ends, a UTF-8 BOM, a trailing blank line.
put("good.csv", b"\xef\xbb\xbf" + b'"f1", f2 ,f3,label\r\n1.5, -2,3e2,1\r\n +4 ,5.25,-0.5,0\r\nnan,inf,-Infinity,2\r\n\r\n')
put("noheader.csv", b"1,2\n3,4\n\n5,6")
put("ragged.csv", b"a,b,c\n1,2,3\n4,5\n")
put("badnum.csv", b"1,2,3\n4,5x,6\n")

# LIBSVM: comments, qid, a duplicate index, unsorted indices, a '+' label, a line without features.
put("small.libsvm", b"# a comment line\n"
                    b"1 1:0.5 3:-2 # trailing comment\n"
                    b"-1 qid:3 2:1e-3 2:2\n"
                    b"\n"
                    b"+1 4:7 1:1\n"
                    b"0\n")
put("zero_index.libsvm", b"1 1:1\n2 0:3\n")


def npy(descr, shape, payload, fortran=False, version=(1, 0)):
    shape_txt = "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, "True" if fortran else "False", shape_txt)
    pre = 10 if version[0] == 1 else 12
    total = pre + len(d) + 1
    d = d + " " * ((64 - total % 64) % 64) + "\n"
    lenfmt = "<H" if version[0] == 1 else "<I"
    return b"\x93NUMPY" + bytes(version) + struct.pack(lenfmt, len(d)) + d.encode("latin1") + payload


M23 = [1.0, -2.5, 3.25, 4.0, 1e-300, -0.0]  # a 2 x 3 matrix in row order
put("f8_v1.npy", npy("<f8", (2, 3), struct.pack("<6d", *M23)))
put("f4_v2.npy", npy("<f4", (3, 2), struct.pack("<6f", *[0.5, 1.5, -2.0, 8.0, 0.0, 100.25]), version=(2, 0)))
# Column-major storage of the same 2 x 3 matrix, version 3.0.
put("f8_fortran_v3.npy", npy("<f8", (2, 3), struct.pack("<6d", *[M23[0], M23[3], M23[1], M23[4], M23[2], M23[5]]),
                              fortran=True, version=(3, 0)))
put("i4_1d.npy", npy("<i4", (4,), struct.pack("<4i", 5, -6, 2147483647, 0)))
put("f8_big_endian.npy", npy(">f8", (1, 1), struct.pack(">d", 1.0)))
put("f2.npy", npy("<f2", (1, 1), b"\x00\x3c"))
