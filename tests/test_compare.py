"""gerbera.scoring.comparison.report: strict scores as seqeval gives them, the paired tests, the error split, refusing
mismatched files, and the HTML page in a real headless browser."""

import itertools
import json
import os
import random
import re
import shutil
import subprocess

import numpy as np
import pytest
from seqeval.metrics import classification_report, f1_score

import gerbera.commands.compare as compare
import run_ner
from gerbera.corpora.column_files import Sentence
from gerbera.features.word_predictions import write_predictions
from gerbera.scoring.comparison.error_kinds import classify
from gerbera.scoring.comparison.significance import bootstrap_differences, f1, paired_test, randomization_differences

TYPES = ("PER", "LOC", "ORG")


def write(path, sentences, predicted, docstart_every=None):
    """A prediction file as run_ner.py writes it (optionally with -DOCSTART- lines)."""
    if docstart_every is None:
        write_predictions(path, [Sentence(words, gold, 1) for words, gold in sentences], predicted, [g for _, g in sentences])
        return path
    lines = []
    for i, ((words, gold), tags) in enumerate(zip(sentences, predicted)):
        if i % docstart_every == 0:
            lines.append("-DOCSTART- -X- O O\n\n")
        lines += [f"{w} {g} {p}\n" for w, g, p in zip(words, gold, tags)] + ["\n"]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def corpus(n=200, seed=0):
    """Sentences with typed gold entities: (words, gold tags)."""
    rng = random.Random(seed)
    sentences = []
    for i in range(n):
        tags = []
        while len(tags) < rng.randint(6, 14):
            if rng.random() < 0.3:
                t = rng.choice(TYPES)
                tags += [f"B-{t}"] + [f"I-{t}"] * rng.randint(0, 2)
            else:
                tags.append("O")
        sentences.append(([f"w{i}_{j}" for j in range(len(tags))], tags))
    return sentences


def damage(tags, rng, rate):
    """Tag-level noise, including sequences seqeval must read conlleval's way (I- after O, type changes)."""
    return [rng.choice(["O", "B-PER", "I-PER", "B-LOC", "I-ORG"]) if rng.random() < rate else t for t in tags]


def run_cli(capsys, *args):
    compare.main([str(a) for a in args])
    return capsys.readouterr()


# ---- strict scores ----------------------------------------------------------------------------------------------

def test_strict_scores_equal_seqeval_per_type(tmp_path, capsys):
    sentences = corpus(150)
    rng = random.Random(1)
    a = [damage(g, rng, 0.15) for _, g in sentences]
    b = [damage(g, rng, 0.05) for _, g in sentences]
    pa, pb = write(tmp_path / "a.txt", sentences, a), write(tmp_path / "b.txt", sentences, b)
    summary = json.loads(run_cli(capsys, pa, pb, "--json", "--resamples", "50").out)
    gold = [g for _, g in sentences]
    for side, predicted in (("a", a), ("b", b)):
        ours = summary["scopes"]["all"]["strict"][side]
        theirs = classification_report(gold, predicted, output_dict=True, zero_division=0)
        assert set(ours) == {"all", *TYPES}
        for name in TYPES:
            assert ours[name]["precision"] == pytest.approx(theirs[name]["precision"], abs=1e-12)
            assert ours[name]["recall"] == pytest.approx(theirs[name]["recall"], abs=1e-12)
            assert ours[name]["f1"] == pytest.approx(theirs[name]["f1-score"], abs=1e-12)
            assert ours[name]["support"] == theirs[name]["support"]
        assert ours["all"]["f1"] == pytest.approx(theirs["micro avg"]["f1-score"], abs=1e-12)
        # the per-sentence counts the tests resample add up to the same F1
        assert summary["scopes"]["all"]["test"][f"f1_{side}"] == pytest.approx(f1_score(gold, predicted), abs=1e-12)


def test_conlleval_reading_of_tags(tmp_path, capsys):
    # I-PER after O starts an entity (conlleval, seqeval default mode); LOC read as ORG is a type error
    sentences = [(["Peter", "Smith", "in", "Paris"], ["B-PER", "I-PER", "O", "B-LOC"])]
    pa = write(tmp_path / "a.txt", sentences, [["I-PER", "I-PER", "O", "B-ORG"]])
    summary = json.loads(run_cli(capsys, pa, pa, "--json", "--resamples", "10").out)
    strict = summary["scopes"]["all"]["strict"]["a"]["all"]
    assert (strict["precision"], strict["recall"], strict["f1"]) == (0.5, 0.5, 0.5)
    assert summary["scopes"]["all"]["errors"]["a"] == {"correct": 1, "missed": 0, "spurious": 0, "boundary": 0, "type": 1}


# ---- the paired tests -------------------------------------------------------------------------------------------

def test_identical_files_give_difference_zero_and_p_one(tmp_path, capsys):
    sentences = corpus(80)
    rng = random.Random(2)
    pa = write(tmp_path / "a.txt", sentences, [damage(g, rng, 0.2) for _, g in sentences])
    summary = json.loads(run_cli(capsys, pa, pa, "--json", "--resamples", "2000", "--seed", "7").out)
    test = summary["scopes"]["all"]["test"]
    assert test["difference"] == 0 and test["ci_low"] == 0 and test["ci_high"] == 0
    assert test["p_bootstrap"] == 1 and test["p_randomization"] == 1
    assert (test["resamples"], test["seed"], test["units"]) == (2000, 7, 80)
    text = run_cli(capsys, pa, pa, "--resamples", "2000", "--seed", "7").out
    assert "2000 resamples, seed 7" in text and "+0.00 points" in text and "p = 1.0000" in text


def test_b_fixing_many_of_a_errors_is_significant(tmp_path, capsys):
    sentences = corpus(200)
    rng = random.Random(3)
    a = [damage(g, rng, 0.25) if i % 2 else list(g) for i, (_, g) in enumerate(sentences)]
    b = [list(g) if i % 4 == 1 else t for i, ((_, g), t) in enumerate(zip(sentences, a))]  # fixes half of A's bad sentences
    pa, pb = write(tmp_path / "a.txt", sentences, a), write(tmp_path / "b.txt", sentences, b)
    first = json.loads(run_cli(capsys, pa, pb, "--json", "--seed", "11").out)
    test = first["scopes"]["all"]["test"]
    assert test["difference"] > 0.05
    assert test["ci_low"] > 0 and test["p_bootstrap"] < 0.001 and test["p_randomization"] < 0.001
    assert test["resamples"] == 10_000 and test["seed"] == 11
    again = json.loads(run_cli(capsys, pa, pb, "--json", "--seed", "11").out)
    assert again["scopes"]["all"]["test"] == test  # a fixed seed gives the same numbers
    # and A against B is the mirror image
    mirror = json.loads(run_cli(capsys, pb, pa, "--json", "--seed", "11").out)["scopes"]["all"]["test"]
    assert mirror["difference"] == pytest.approx(-test["difference"]) and mirror["ci_high"] < 0


def test_bootstrap_is_paired():
    """Sentences differ a lot in difficulty; B fixes one entity in a few sentences. Resampling the
    same sentences for A and B sees that B is never worse; unpaired resampling would drown it."""
    rng = np.random.default_rng(0)
    entities = rng.integers(1, 8, size=400)
    solved = rng.random(400) < 0.5
    a = np.stack([np.where(solved, entities, 0), np.where(solved, 0, entities), np.where(solved, 0, entities)], axis=1)
    b = a.copy()
    fixed = np.flatnonzero(~solved)[:25]
    b[fixed] += [1, -1, -1]  # one more entity right: a false positive and a false negative fewer
    result = paired_test(a, b, resamples=5000, seed=3)
    assert 0 < result["difference"] < 0.03
    assert result["ci_low"] > 0 and result["p_bootstrap"] < 0.001
    assert np.all(bootstrap_differences(a, b, 5000, 3) >= 0)


def reference_bootstrap_p(a, b, resamples, seed):
    """The paired bootstrap written plainly: the same index draws, F1 summed by hand."""
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(a), size=(resamples, len(a)), dtype=np.int32)

    def score(counts):
        tp, fp, fn = (sum(c[k] for c in counts) for k in range(3))
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0

    observed = score(b) - score(a)
    differences = [score([b[i] for i in row]) - score([a[i] for i in row]) for row in drawn]
    hits = sum(abs(d - observed) >= abs(observed) - 1e-12 for d in differences)
    return (hits + 1) / (resamples + 1), differences


def test_bootstrap_p_value_and_interval_match_a_plain_reference():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 4, size=(60, 3)).tolist()
    b = [[tp + (i % 15 == 0), max(fp - (i % 15 == 0), 0), fn] for i, (tp, fp, fn) in enumerate(a)]
    result = paired_test(np.array(a), np.array(b), resamples=3000, seed=9)
    p, differences = reference_bootstrap_p(a, b, 3000, 9)
    assert result["p_bootstrap"] == pytest.approx(p, abs=1e-12)
    assert 0.001 < p < 0.9  # a case where the formula matters
    assert result["ci_low"] == pytest.approx(np.quantile(differences, 0.025))
    assert result["ci_high"] == pytest.approx(np.quantile(differences, 0.975))


def test_randomization_p_value_matches_the_exact_permutation_test():
    a = np.array([[3, 1, 1], [2, 2, 0], [0, 1, 3], [4, 0, 0], [1, 1, 1], [2, 0, 2], [0, 3, 1], [5, 1, 0]], dtype=float)
    b = a + np.array([[1, -1, -1], [0, 0, 0], [2, 0, -2], [0, 0, 0], [1, 0, -1], [0, -1, 0], [1, 1, -1], [0, 0, 0]])
    observed = f1(b.sum(0)) - f1(a.sum(0))
    extreme = 0
    for swap in itertools.product([0, 1], repeat=len(a)):
        s = np.array(swap)[:, None]
        extreme += abs(f1((np.where(s, a, b)).sum(0)) - f1((np.where(s, b, a)).sum(0))) >= abs(observed) - 1e-12
    exact = extreme / 2 ** len(a)
    result = paired_test(a, b, resamples=20_000, seed=4)
    assert 0.05 < exact < 0.6
    assert result["p_randomization"] == pytest.approx(exact, abs=0.015)
    assert np.all(np.abs(randomization_differences(a, b, 2000, 1)) <= abs(observed) * 2 + 1)


# ---- errors and differences -------------------------------------------------------------------------------------

def test_error_split_overlap_and_entities_right_in_one_only(tmp_path, capsys):
    words = ["Peter", "Smith", "met", "the", "Acme", "board", "in", "Paris", "on", "Monday", "with", "John"]
    gold = ["B-PER", "I-PER", "O", "O", "B-ORG", "I-ORG", "O", "B-LOC", "O", "O", "O", "B-PER"]
    a = ["B-PER", "I-PER", "O", "O", "B-ORG", "O", "O", "B-ORG", "O", "B-LOC", "O", "O"]
    b = ["B-PER", "O", "O", "O", "B-ORG", "I-ORG", "O", "B-LOC", "O", "O", "O", "B-PER"]
    errors = classify(gold, a)
    # Peter Smith correct; Acme (boundary: gold is Acme board); Paris as ORG (type); Monday (spurious); John missed
    assert sorted(errors.predicted_kind) == ["boundary", "correct", "spurious", "type"]
    assert errors.count("missed") == 1 and (errors.tp, errors.fp, errors.fn) == (1, 3, 3)
    assert errors.fp == errors.count("spurious") + errors.count("type") + errors.count("boundary")
    assert (errors.overlap_precision_hits, errors.overlap_recall_hits) == (2, 2)  # Peter Smith, Acme~Acme board
    sentences = [(words, gold)]
    pa, pb = write(tmp_path / "a.txt", sentences, [a]), write(tmp_path / "b.txt", sentences, [b])
    summary = json.loads(run_cli(capsys, pa, pb, "--json", "--resamples", "10").out)
    scope = summary["scopes"]["all"]
    assert scope["errors"]["a"] == {"correct": 1, "missed": 1, "spurious": 1, "boundary": 1, "type": 1}
    assert scope["errors"]["b"] == {"correct": 3, "missed": 0, "spurious": 0, "boundary": 1, "type": 0}
    assert scope["overlap"]["a"]["precision"] == pytest.approx(2 / 4) and scope["overlap"]["a"]["recall"] == pytest.approx(2 / 4)
    differences = summary["differences"]
    assert differences["found_by_b_only"]["count"] == 3  # Acme board, Paris, John
    assert differences["found_by_a_only"]["count"] == 1  # Peter Smith (B cut it to Peter)
    assert differences["false_positives_of_a_only"]["count"] == 3  # Acme, Paris/ORG, Monday
    assert differences["false_positives_of_b_only"]["count"] == 1  # Peter
    example = differences["found_by_b_only"]["examples"][0]
    assert example["entity"] == "Acme board" and example["type"] == "ORG" and example["line"] == 5
    assert example["a_predicted"] == "'Acme' ORG (boundary)"
    text = run_cli(capsys, pa, pb, "--resamples", "10").out
    assert "line 5: Peter Smith met the [Acme board] in Paris" in text


# ---- input ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, line", [
    (lambda s: s.replace("w1_2 ", "other ", 1), None),  # a word
    (lambda s: s.replace("\n\n", "\nextra O O\n\n", 3), None),  # a word more in sentence 3
    (lambda s: s + "tail O O\n\n", None),  # a sentence more
    (lambda s: s.replace("\n\n", "\n", 1), None),  # two sentences joined
])
def test_mismatched_files_are_refused_naming_the_line(tmp_path, capsys, change, line):
    sentences = corpus(5)
    pa = write(tmp_path / "a.txt", sentences, [g for _, g in sentences])
    text = pa.read_text()
    changed = change(text)
    assert changed != text
    pb = tmp_path / "b.txt"
    pb.write_text(changed)
    first = next(i for i, (x, y) in enumerate(zip(text.split("\n"), changed.split("\n")), start=1) if x != y)
    with pytest.raises(SystemExit) as refused:
        run_cli(capsys, pa, pb)
    assert refused.value.code == 1
    message = capsys.readouterr().err
    assert message.startswith("error: the files differ")
    assert f"{pb}:{first}" in message


def test_different_gold_tag_is_refused(tmp_path, capsys):
    sentences = corpus(5)
    pa = write(tmp_path / "a.txt", sentences, [g for _, g in sentences])
    lines = pa.read_text().split("\n")
    word, gold, predicted = lines[3].split(" ")
    lines[3] = f"{word} {'B-LOC' if gold != 'B-LOC' else 'B-ORG'} {predicted}"
    pb = tmp_path / "b.txt"
    pb.write_text("\n".join(lines))
    with pytest.raises(SystemExit):
        run_cli(capsys, pa, pb)
    assert f"{pa}:4" in capsys.readouterr().err


@pytest.mark.parametrize("content, problem", [
    ("Peter B-PER\n", "expected 'word gold predicted'"),
    ("Peter U-PER U-PER\n", "'U-PER' is not an IOB2/IOBES tag"),
])
def test_unreadable_lines_are_refused(tmp_path, capsys, content, problem):
    bad = tmp_path / "bad.txt"
    bad.write_text("John B-PER B-PER\n\n" + content)
    with pytest.raises(SystemExit):
        run_cli(capsys, bad, bad)
    err = capsys.readouterr().err
    assert f"{bad}:3" in err and problem in err


def test_documents_are_the_units_when_the_file_marks_them(tmp_path, capsys):
    sentences = corpus(150)
    rng = random.Random(4)
    pa = write(tmp_path / "a.txt", sentences, [damage(g, rng, 0.2) for _, g in sentences], docstart_every=5)
    pb = write(tmp_path / "b.txt", sentences, [damage(g, rng, 0.1) for _, g in sentences], docstart_every=5)
    summary = json.loads(run_cli(capsys, pa, pb, "--json", "--resamples", "100").out)
    assert summary["unit"] == "document" and summary["documents"] == 30
    assert summary["scopes"]["all"]["test"]["units"] == 30
    by_sentence = json.loads(run_cli(capsys, pa, pb, "--json", "--resamples", "100", "--unit", "sentence").out)
    assert by_sentence["scopes"]["all"]["test"]["units"] == 150
    plain = write(tmp_path / "c.txt", sentences, [g for _, g in sentences], docstart_every=6)
    with pytest.raises(SystemExit):  # documents split differently
        run_cli(capsys, pa, plain)
    assert "-DOCSTART-" in capsys.readouterr().err


def test_run_folders_of_run_ner_compared_per_dataset(tiny_bert, data_dir, tmp_path, capsys):
    runs = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}"
        run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--labels",
                      str(data_dir / "bio" / "labels.txt"), "--data_list", "bio", "--eval_data_list", "bio+bio2",
                      "--output_dir", str(out), "--do_train", "--do_predict", "--max_steps", "3", "--learning_rate", "0.01",
                      "--per_device_train_batch_size", "2", "--seed", seed, "--report_to", "none", "--save_strategy", "no"])
        runs.append(out)
    capsys.readouterr()  # the runs' logs
    summary = json.loads(run_cli(capsys, runs[0], runs[1], "--json", "--resamples", "100").out)
    assert summary["datasets"] == ["bio", "bio2"]
    assert list(summary["scopes"]) == ["all", "bio", "bio2"]
    assert summary["scopes"]["bio"]["sentences"] == 4 and summary["scopes"]["bio2"]["sentences"] == 3
    recorded = json.loads((runs[1] / "all_results.json").read_text())
    for scope, key in (("all", "test_f1"), ("bio", "test_bio_f1"), ("bio2", "test_bio2_f1")):
        assert summary["scopes"][scope]["strict"]["b"]["all"]["f1"] == pytest.approx(recorded[key], abs=1e-12)
    # a per-dataset file that does not belong to the combined one is an error
    (runs[1] / "test_predictions_bio2.txt").write_text("Other O O\n\n")
    with pytest.raises(SystemExit):
        run_cli(capsys, runs[0], runs[1])
    assert "test_predictions_bio2.txt:1" in capsys.readouterr().err


# ---- the HTML page, in a real browser ---------------------------------------------------------------------------

def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if os.environ.get("GERBERA_REQUIRE_BROWSER"):  # .ci/run installs chromium and sets this: never skip there
        pytest.fail("GERBERA_REQUIRE_BROWSER is set but no chromium is installed")
    pytest.skip("no chromium on this machine (Debian: apt-get install chromium)")


def browser(binary, tmp_path, *args):
    profile = tmp_path / "chromium-profile"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run"]
    result = subprocess.run([binary, *flags, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def colour_pixels(png, rgb):
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3)
    return int(np.all(pixels == rgb, axis=1).sum())


def test_html_page_in_headless_chromium(tmp_path, capsys):
    binary = chromium()
    sentences = corpus(40, seed=8)
    rng = random.Random(8)
    a = [["O"] * len(g) if i % 3 == 0 else damage(g, rng, 0.2) for i, (_, g) in enumerate(sentences)]
    b = [list(g) if i % 2 else t for i, ((_, g), t) in enumerate(zip(sentences, a))]  # B only fixes: no A-better
    pa, pb = write(tmp_path / "a.txt", sentences, a), write(tmp_path / "b.txt", sentences, b)
    page = tmp_path / "page.html"
    run_cli(capsys, pa, pb, "--html", page, "--resamples", "200")
    html = page.read_text()
    assert "http" not in html and "src=" not in html and "@import" not in html  # self-contained: nothing fetched
    comparison = compare.compare(pa, pb, resamples=10)
    differing = comparison.differing()
    missed_in_a = [i for i in differing if comparison.errors_a[i].missed]
    assert 0 < len(missed_in_a) < len(differing)

    dom = browser(binary, tmp_path, "--dump-dom", f"{page.as_uri()}#kind=A-missed")
    assert 'id="significance"' in dom and "p (bootstrap)" in dom  # the summary table is there
    assert 'data-filter="A-missed"' in dom  # the script ran
    assert re.search(r'<span id="shown">(\d+)</span>', dom).group(1) == str(len(missed_in_a))
    blocks = re.findall(r'<div class="sentence"[^>]*>', dom)
    assert len(blocks) == len(differing)
    shown = [b for b in blocks if "hidden" not in b]
    assert sorted(int(re.search(r'id="s(\d+)"', b).group(1)) - 1 for b in shown) == missed_in_a

    everything, nothing = tmp_path / "all.png", tmp_path / "none.png"
    browser(binary, tmp_path, f"--screenshot={everything}", "--window-size=1200,3000", f"{page.as_uri()}#kind=all")
    browser(binary, tmp_path, f"--screenshot={nothing}", "--window-size=1200,3000", f"{page.as_uri()}#kind=A-better")
    gold_blue, correct_green, spurious_red = (207, 227, 255), (198, 239, 198), (247, 196, 196)
    for colour in (gold_blue, correct_green, spurious_red):
        # only the legend is left when the filter hides every sentence: the marked spans are drawn in colour
        assert colour_pixels(everything, colour) > 5 * max(colour_pixels(nothing, colour), 1)


# ---- too few units, types of one side only, flags (issues 24 and 25) ----------------------------------------------

def test_one_document_falls_back_to_sentences_and_says_so(tmp_path, capsys):
    sentences = corpus(200, seed=5)
    rng = random.Random(6)
    a = [damage(g, rng, 0.15) for _, g in sentences]
    b = [damage(g, rng, 0.12) for _, g in sentences]
    one_doc = [write(tmp_path / f"{s}1.txt", sentences, tags, docstart_every=len(sentences)) for s, tags in (("a", a), ("b", b))]
    no_doc = [write(tmp_path / f"{s}0.txt", sentences, tags) for s, tags in (("a", a), ("b", b))]
    auto = json.loads(run_cli(capsys, *one_doc, "--json", "--resamples", "300").out)
    plain = json.loads(run_cli(capsys, *no_doc, "--json", "--resamples", "300").out)
    assert auto["unit"] == "sentence" and auto["documents"] == 1
    assert "only 1 document" in auto["unit_note"] and "sentences are resampled instead" in auto["unit_note"]
    assert plain["unit_note"] is None
    test, reference = auto["scopes"]["all"]["test"], plain["scopes"]["all"]["test"]
    assert test["units"] == 200 and test["ci_low"] < test["difference"] < test["ci_high"]  # not a point
    assert {k: test[k] for k in ("ci_low", "ci_high", "p_bootstrap")} == {k: reference[k] for k in ("ci_low", "ci_high", "p_bootstrap")}
    text = run_cli(capsys, *one_doc, "--resamples", "300").out
    assert "(only 1 document (-DOCSTART- lines), fewer than 30: sentences are resampled instead)" in text
    # asked for documents: the one unit is never resampled into an interval or a p-value
    forced = run_cli(capsys, *one_doc, "--resamples", "300", "--unit", "document").out
    assert ("(1 documents): too few documents for the bootstrap (fewer than 30), so no interval; "
            "p = 1.0000 (approximate randomization)") in forced  # one unit: swapping it gives -d or d
    assert "CI [" not in forced and "paired bootstrap" not in forced
    summary = json.loads(run_cli(capsys, *one_doc, "--json", "--unit", "document").out)["scopes"]["all"]["test"]
    assert summary["too_few_units"] and summary["ci_low"] is None and summary["p_bootstrap"] is None
    assert summary["p_randomization"] == 1 and summary["difference"] == pytest.approx(test["difference"])


def test_thirty_documents_are_resampled_and_fewer_are_not(tmp_path, capsys):
    sentences = corpus(60, seed=8)
    rng = random.Random(9)
    tags = {s: [damage(g, rng, r) for _, g in sentences] for s, r in (("a", 0.2), ("b", 0.1))}
    thirty = [write(tmp_path / f"{s}30.txt", sentences, tags[s], docstart_every=2) for s in "ab"]
    twenty = [write(tmp_path / f"{s}20.txt", sentences, tags[s], docstart_every=3) for s in "ab"]
    assert json.loads(run_cli(capsys, *thirty, "--json", "--resamples", "50").out)["unit"] == "document"
    summary = json.loads(run_cli(capsys, *twenty, "--json", "--resamples", "50").out)
    assert summary["unit"] == "sentence" and "only 20 documents" in summary["unit_note"]


def test_too_few_sentences_give_no_interval_in_text_json_and_page(tmp_path, capsys):
    sentences = corpus(12, seed=3)
    rng = random.Random(3)
    pa = write(tmp_path / "a.txt", sentences, [damage(g, rng, 0.3) for _, g in sentences])
    pb = write(tmp_path / "b.txt", sentences, [g for _, g in sentences])
    page = tmp_path / "page.html"
    text = run_cli(capsys, pa, pb, "--html", page).out
    assert "(12 sentences): too few sentences for the bootstrap (fewer than 30), so no interval; p = " in text
    assert "CI [" not in text and "paired bootstrap" not in text
    assert "too few units for the bootstrap" in page.read_text()


def test_a_type_predicted_by_a_only(tmp_path, capsys):
    sentences = corpus(40, seed=2)
    a = [list(g) for _, g in sentences]
    a[0][0] = "B-ZZZ"  # neither the gold nor B has it
    pa, pb = write(tmp_path / "a.txt", sentences, a), write(tmp_path / "b.txt", sentences, [g for _, g in sentences])
    for first, second in ((pa, pb), (pb, pa)):
        text = run_cli(capsys, first, second, "--resamples", "50").out
        row = next(line for line in text.splitlines() if line.startswith("all") and " ZZZ " in line)
        assert row.split()[2] == "0"  # no gold entity of that type
    summary = json.loads(run_cli(capsys, pa, pb, "--json", "--resamples", "50").out)
    assert summary["scopes"]["all"]["strict"]["a"]["ZZZ"]["precision"] == 0 and "ZZZ" not in summary["scopes"]["all"]["strict"]["b"]


@pytest.mark.parametrize("flags, message", [
    (["--confidence", "95"], "--confidence is a level between 0 and 1, not 95 (for 95%, write 0.95)"),
    (["--confidence", "0"], "--confidence is a level between 0 and 1, not 0"),
    (["--confidence", "1"], "--confidence is a level between 0 and 1, not 1"),
    (["--resamples", "0"], "--resamples must be at least 1, not 0"),
    (["--examples", "-1"], "--examples must be 0 or more, not -1"),
])
def test_numeric_flags_out_of_range_are_one_line_errors(tmp_path, capsys, flags, message):
    sentences = corpus(5)
    pa = write(tmp_path / "a.txt", sentences, [g for _, g in sentences])
    with pytest.raises(SystemExit) as stopped:
        run_cli(capsys, pa, pa, *flags)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == f"error: {message}\n"


def test_json_prints_or_writes_a_file(tmp_path, capsys):
    sentences = corpus(40)
    rng = random.Random(2)
    pa = write(tmp_path / "a.txt", sentences, [damage(g, rng, 0.2) for _, g in sentences])
    pb = write(tmp_path / "b.txt", sentences, [g for _, g in sentences])
    printed = run_cli(capsys, pa, pb, "--resamples", "50", "--json")
    summary = json.loads(printed.out)
    written = run_cli(capsys, pa, pb, "--resamples", "50", "--json", tmp_path / "out.json")
    assert json.loads((tmp_path / "out.json").read_text()) == summary
    assert written.out.startswith("A: ") and f"wrote {tmp_path / 'out.json'}" in written.err
    with pytest.raises(SystemExit):
        run_cli(capsys, pa, pb, "--resamples", "50", "--json", pa / "out.json")  # a file as the folder
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write ") and err.count("\n") == 1
