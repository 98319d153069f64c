"""The measurement that chose the language detector (docs/languages.md): each candidate library in a
fresh interpreter of a scratch virtualenv, on the labelled set bench/languages/messages.tsv.

    python3 -m venv /tmp/language-venv
    /tmp/language-venv/bin/pip install lingua-language-detector py3langid langdetect langid fasttext-langdetect
    /tmp/language-venv/bin/python -m bench.language_candidates      (from the repository's root)

Not part of `make bench` (the candidates are not the project's dependencies); `make bench` measures
the chosen one (bench/language_detection.py). Restricted to the project's languages where the
library allows it (lingua, langid, py3langid); langdetect's answer is its best of those four.
A candidate's raw answer is scored here; the confidence gate is detection.py's (bench section).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.language_detection import LABELS, load_set

OURS = ("es", "en", "pt", "ca")

SETUP = {
    "lingua": (
        "from lingua import Language, LanguageDetectorBuilder",
        "d = LanguageDetectorBuilder.from_languages(Language.SPANISH, Language.ENGLISH, Language.PORTUGUESE,"
        " Language.CATALAN).build()\n"
        "def guess(t):\n"
        "    values = d.compute_language_confidence_values(t)\n"
        "    best = values[0]\n"
        "    return best.language.iso_code_639_1.name.lower(), best.value",
    ),
    "py3langid": (
        "import py3langid",
        "from py3langid.langid import LanguageIdentifier, MODEL_FILE\n"
        "i = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)\n"
        "i.set_languages(['es', 'en', 'pt', 'ca'])\n"
        "def guess(t):\n"
        "    lang, p = i.classify(t)\n"
        "    return lang, float(p)",
    ),
    "langid": (
        "import langid",
        "from langid.langid import LanguageIdentifier, model\n"
        "i = LanguageIdentifier.from_modelstring(model, norm_probs=True)\n"
        "i.set_languages(['es', 'en', 'pt', 'ca'])\n"
        "def guess(t):\n"
        "    lang, p = i.classify(t)\n"
        "    return lang, float(p)",
    ),
    "langdetect": (
        "import langdetect",
        "from langdetect import DetectorFactory, detect_langs\n"
        "from langdetect.lang_detect_exception import LangDetectException\n"
        "DetectorFactory.seed = 0\n"
        "def guess(t):\n"
        "    try:\n"
        "        ours = [x for x in detect_langs(t) if x.lang in ('es', 'en', 'pt', 'ca')]\n"
        "    except LangDetectException:\n"
        "        return None, 0.0\n"
        "    return (ours[0].lang, ours[0].prob) if ours else (None, 0.0)",
    ),
    "fasttext-langdetect": (
        "import ftlangdetect",
        "from ftlangdetect import detect\n"
        "def guess(t):\n"
        "    r = detect(t, low_memory=True)\n"
        "    return r['lang'], r['score']",
    ),
}


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker(name: str) -> None:
    """In a fresh interpreter: import, first call, then every message; JSON on stdout."""
    imports, setup = SETUP[name]
    texts = [m.text for m in load_set()]
    rss0 = _rss_kb()
    started = time.perf_counter()
    exec(imports, {})  # noqa: S102 - the candidate's import statement, from the table above
    import_ms = (time.perf_counter() - started) * 1000
    scope: dict[str, object] = {}
    started = time.perf_counter()
    exec(imports + "\n" + setup, scope)  # noqa: S102
    guess = scope["guess"]
    assert callable(guess)
    guess("hola, quería pedir cita")
    first_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    answers = [guess(t) for t in texts]
    per_ms = (time.perf_counter() - started) * 1000 / len(texts)
    rss_kb = _rss_kb() - rss0
    print(
        json.dumps(
            {
                "import_ms": import_ms,
                "first_ms": first_ms,
                "per_ms": per_ms,
                "rss_kb": rss_kb,
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "answers": answers,
            }
        )
    )


def run(name: str) -> dict[str, object] | str:
    done = subprocess.run(
        [sys.executable, "-m", "bench.language_candidates", "--worker", name],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        timeout=600,
    )
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[-1][:200] if done.stderr.strip() else f"exit {done.returncode}"
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    messages = load_set()
    print(
        "| candidate | "
        + " | ".join(f"{lab} ({sum(m.language == lab for m in messages)})" for lab in LABELS if lab)
        + " | all labelled | import ms | first call ms | per message ms | RSS added MB |"
    )
    for name in SETUP:
        samples = [run(name) for _ in range(3)]
        ok = [s for s in samples if isinstance(s, dict)]
        if not ok:
            print(f"| {name} | not measured: {samples[0]} |")
            continue
        answers = ok[0]["answers"]
        assert isinstance(answers, list)
        cells = []
        right_all = total_all = 0
        for lab in LABELS:
            if lab is None:
                continue
            rows = [(m, a) for m, a in zip(messages, answers, strict=True) if m.language == lab]
            right = sum(1 for m, a in rows if a[0] == m.language)
            right_all, total_all = right_all + right, total_all + len(rows)
            cells.append(f"{100 * right / len(rows):.0f}%")
        med = {k: statistics.median(float(s[k]) for s in ok) for k in ("import_ms", "first_ms", "per_ms", "rss_kb")}
        print(
            f"| {name} | " + " | ".join(cells) + f" | {100 * right_all / total_all:.0f}% | {med['import_ms']:.0f} |"
            f" {med['first_ms']:.0f} | {med['per_ms']:.3f} | {med['rss_kb'] / 1024:.1f} |"
        )
        wrong = [
            (m.text, m.language, a)
            for m, a in zip(messages, answers, strict=True)
            if m.language is not None and a[0] != m.language
        ]
        print(f"<!-- {name} wrong: {wrong} -->", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        main()
