# Reference outputs of Pillow's Image.resize for PilResampleTest (run with Pillow 11.3.0).
import base64, json, PIL
from PIL import Image

def pattern(w, h):
    data = bytearray()
    for y in range(h):
        for x in range(w):
            for c in range(3):
                data.append((x * 37 + y * 91 + c * 53 + ((x * y) % 17) * 13) % 256)
    return Image.frombytes("RGB", (w, h), bytes(data))

cases = [
    ("BICUBIC", 97, 61, 38, 24), ("BICUBIC", 7, 5, 31, 22), ("BICUBIC", 40, 30, 17, 45),
    ("BICUBIC", 200, 150, 23, 17), ("BICUBIC", 32, 32, 32, 20),
    ("BILINEAR", 40, 30, 17, 45), ("LANCZOS", 40, 30, 17, 45), ("BOX", 40, 30, 17, 45), ("HAMMING", 40, 30, 17, 45),
]
out = {"pillow": PIL.__version__,
       "pattern": "(x*37 + y*91 + c*53 + ((x*y) % 17) * 13) % 256, RGB interleaved", "cases": []}
for f, w, h, ow, oh in cases:
    r = pattern(w, h).resize((ow, oh), resample=getattr(Image.Resampling, f))
    out["cases"].append({"filter": f, "code": int(getattr(Image.Resampling, f)), "width": w, "height": h,
                         "out_width": ow, "out_height": oh, "rgb_base64": base64.b64encode(r.tobytes()).decode()})
print(json.dumps(out, indent=1))
