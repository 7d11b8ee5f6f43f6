"""Certificates of the fast settings: how far each strays from fp32 on labelled data, and how much faster it is.

A certificate is written by ``python -m gerbera.certify`` into the model folder, one per kind of
machine: ``<model>/certificates/<machine key>.json`` and a one-table ``.txt`` beside it. It names
the model's fingerprint (:func:`gerbera.tagging.model_identity.model_identity`), the machine (its
processor's architecture and the instruction sets that choose the kernels, or the GPU and its
compute capability), the library versions, the labelled data, and for each setting of
:mod:`gerbera.runtimes.settings` the F1 difference to fp32 with its paired bootstrap interval, the
share of words whose tag changed, the entities gained and lost, and the speed.

:func:`choose_setting` (``run_predict.py --scoring_precision auto``) picks the fastest setting whose
whole interval lies above ``-max_f1_loss`` points, and fp32 when none does. A certificate of another
model (another fingerprint) or of another kind of machine is never used, nor a setting's result
measured in another form than the one the setting runs today
(:func:`gerbera.runtimes.settings.setting_form`: another quantization, say).
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
from dataclasses import dataclass
from pathlib import Path

import torch

from gerbera.outputs import read_json
from gerbera.runtimes.settings import SETTINGS, setting_form

__all__ = ["Choice", "Judgement", "certificate_path", "choose_setting", "judge_setting", "machine_kind", "summary_table"]

# instruction sets that decide which CPU kernels run (bf16, int8 dot products, AMX tiles)
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx_vnni",
             "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "bf16", "i8mm")


def machine_kind(device: torch.device) -> dict:
    """What makes a fast setting's tags and speed on this machine: the GPU, or the CPU's instruction sets."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        major, minor = torch.cuda.get_device_capability(index)
        return {"device": "cuda", "gpu": torch.cuda.get_device_name(index), "capability": f"{major}.{minor}"}
    flags, model = set(), platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("flags", "Features") and not flags:
                flags = set(value.split())
            elif key.strip() == "model name" and not model:
                model = value.strip()
    except OSError:
        pass
    return {"device": "cpu", "architecture": platform.machine(), "flags": sorted(flags & set(CPU_FLAGS)), "cpu": model}


def machine_key(kind: dict) -> str:
    """The certificate's name: the kind of machine less what does not change the kernels (the CPU's model name)."""
    deciding = {key: value for key, value in kind.items() if key != "cpu"}
    digest = hashlib.sha256(json.dumps(deciding, sort_keys=True).encode("utf-8")).hexdigest()[:12]
    return f"{kind['device']}-{digest}"


def certificate_path(model_dir: str | Path, device: torch.device) -> Path:
    return Path(model_dir) / "certificates" / f"{machine_key(machine_kind(device))}.json"


@dataclass
class Choice:
    """The setting ``auto`` chose, the certificate it read (None: none held) and why, in a sentence."""

    setting: str
    certificate: str | None
    reason: str


def choose_setting(model_dir: str | None, identity: str | None, device: torch.device, max_f1_loss: float,
                   runnable) -> Choice:
    """The fastest certified setting whose F1 interval lies above ``-max_f1_loss`` points, else fp32.

    ``runnable(setting)`` says whether this process can run a setting (ONNX Runtime installed, ...)."""
    path, certificate, reason = _certificate_of(model_dir, identity, device)
    if certificate is None:
        return Choice("fp32", None, reason)
    eligible, passed_over = [], []
    for setting, result in certificate["settings"].items():
        problem = _unusable(setting, result)
        if problem:
            if setting in SETTINGS:
                passed_over.append(f"{setting} ({problem})")
        elif _holds(result, max_f1_loss) and runnable(setting) and result["speedup"] > 1:
            eligible.append((result["sentences_per_second"], setting, result))
    not_used = f"; not used: {', '.join(passed_over)}" if passed_over else ""
    if not eligible:
        return Choice("fp32", str(path), f"no setting in {path} is faster than fp32 with its whole 95% interval of "
                      f"the F1 difference above -{max_f1_loss:g} points (--max_f1_loss){not_used}")
    _, setting, result = max(eligible)
    return Choice(setting, str(path), f"{setting}: {result['speedup']:.2f}x fp32, {_measured(result)} above "
                  f"-{max_f1_loss:g} (--max_f1_loss; certificate {path}){not_used}")


@dataclass
class Judgement:
    """What a certificate says of a setting named by the user: the certificate (None: none measured it),
    whether the setting holds within the tolerance (None: not measured), a sentence for the log, and
    whether that sentence is a warning."""

    certificate: str | None
    holds: bool | None
    said: str
    warn: bool


def judge_setting(model_dir: str | None, identity: str | None, device: torch.device, setting: str,
                  max_f1_loss: float) -> Judgement:
    """What the model's certificate for this kind of machine says of a setting asked for by name."""
    path, certificate, reason = _certificate_of(model_dir, identity, device)
    if certificate is None:
        return Judgement(None, None, f"its tags are not checked against fp32 ({reason})", bool(path and path.is_file()))
    result = certificate["settings"].get(setting)
    if result is None:
        return Judgement(None, None, f"its tags are not checked against fp32 ({path} does not measure it)", False)
    problem = _unusable(setting, result)
    if problem:
        return Judgement(None, None, f"its tags are not checked against fp32 ({path}: {problem})", True)
    if result["ci_low"] is None:
        return Judgement(None, None, f"its tags are not checked against fp32 ({path}: too few sentences for an "
                         "interval; certify on more)", True)
    holds = _holds(result, max_f1_loss)
    verdict = "within" if holds else "NOT within"
    return Judgement(str(path), holds, f"certificate {path}: {_measured(result)}, {verdict} -{max_f1_loss:g} points "
                     "(--max_f1_loss)", not holds)


def _certificate_of(model_dir: str | None, identity: str | None, device: torch.device) -> tuple[Path | None, dict | None, str]:
    """The model's certificate for this kind of machine, or None and why it has none that may be used."""
    if not model_dir or not Path(model_dir).is_dir():
        return None, None, "the model is not a folder, so it has no certificate"
    path = certificate_path(model_dir, device)
    if not path.is_file():
        return path, None, f"no certificate for this kind of machine ({path}; python -m gerbera.certify writes one)"
    try:
        certificate = read_json(path)
    except (OSError, ValueError) as error:  # ValueError: not JSON, or not UTF-8
        return path, None, f"{path} cannot be read ({type(error).__name__}): certify again"
    if not isinstance(certificate, dict) or not isinstance(certificate.get("settings"), dict):
        return path, None, f"{path} is not a certificate (no settings): certify again"
    if certificate.get("model") != identity:
        return path, None, (f"{path} was made for another model (fingerprint {certificate.get('model')}, "
                            f"this model {identity}): certify it again")
    if certificate.get("machine_key") != machine_key(machine_kind(device)):
        return path, None, f"{path} was made on another kind of machine"
    return path, certificate, ""


NUMBERS = ("f1_difference", "speedup", "sentences_per_second")


def _unusable(setting: str, result) -> str | None:
    """Why a certificate's result for ``setting`` may not be used (None: it may): a setting the
    toolkit does not run, a run that failed, a damaged result, or another form than today's."""
    if setting not in SETTINGS:
        return "not a setting of this toolkit"
    if not isinstance(result, dict):
        return "a damaged result: certify again"
    if result.get("error"):
        return f"it could not run: {result['error']}"
    interval = (result.get("ci_low"), result.get("ci_high"))  # None, None: too few sentences for one
    if not all(_number(result.get(key)) for key in NUMBERS) or not (interval == (None, None) or all(map(_number, interval))):
        return "a damaged result: certify again"
    if result.get("form") != setting_form(setting):
        return (f"measured in another form, {result.get('form') or 'unnamed'}; today's is {setting_form(setting)}: "
                f"certify again")
    return None


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _holds(result: dict, max_f1_loss: float) -> bool:
    """Whether a usable result's whole interval lies above ``-max_f1_loss`` points (see :func:`_unusable`)."""
    low = result["ci_low"]
    return low is not None and 100 * low >= -max_f1_loss


def _measured(result: dict) -> str:
    return (f"F1 difference {100 * result['f1_difference']:+.2f} points, 95% interval [{100 * result['ci_low']:+.2f}, "
            f"{100 * result['ci_high']:+.2f}]")


def summary_table(certificate: dict) -> str:
    """The certificate as one text table, for a reader."""
    reference = certificate["reference"]
    lines = [f"model {certificate['model_path']} ({certificate['model']}), {certificate['data']['description']}",
             f"machine {json.dumps(certificate['machine'])}",
             "",
             "| setting | F1 | F1 difference (points) | 95% interval | words changed | entities gained | entities lost | "
             "sentences/s | speed-up |",
             "|---|---|---|---|---|---|---|---|---|",
             f"| fp32 | {100 * reference['f1']:.2f} | | | | | | {reference['sentences_per_second']:.1f} | 1.00x |"]
    for setting, result in certificate["settings"].items():
        if result.get("error"):
            lines.append(f"| {setting} | not run: {result['error']} | | | | | | | |")
            continue
        interval = ("too few sentences" if result["ci_low"] is None
                    else f"[{100 * result['ci_low']:+.2f}, {100 * result['ci_high']:+.2f}]")
        lines.append(f"| {setting} | {100 * result['f1']:.2f} | {100 * result['f1_difference']:+.2f} | {interval} | "
                     f"{100 * result['words_changed_share']:.2f}% | {result['entities_gained']} | {result['entities_lost']} | "
                     f"{result['sentences_per_second']:.1f} | {result['speedup']:.2f}x |")
    return "\n".join(lines) + "\n"
