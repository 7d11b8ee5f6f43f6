#!/usr/bin/env python3
"""Generate the small synthetic demo corpora shipped in ``NERdata/``.

Three datasets are written, all made from hand-written sentence templates and
lexicons (no text is taken from any real corpus):

* ``demo-disease/``       biomedical (genetics) sentences, untyped ``B``/``I``/``O``
                          tags in the BioBERT / NCBI-disease style.
* ``demo-news/``          news-like sentences, typed IOB2 tags for PER, ORG,
                          LOC and MISC in the CoNLL2003 style.
* ``demo-disease-cross/`` clinical / drug-induced disease sentences (BC5CDR
                          style), typed ``B-Disease``/``I-Disease``/``O`` tags,
                          tab-separated; the cross-dataset evaluation target.

Some entity names are held out of the training split and only appear in
``devel.txt``/``test.txt``, and part of the disease lexicon is shared between
``demo-disease`` and ``demo-disease-cross``.

The output is fully determined by ``--seed`` (default 13): every split uses its
own ``random.Random`` seeded with a string, and no set/dict iteration order is
relied upon, so running the script twice gives byte-identical files.

Usage::

    python NERdata/make_demo.py [--seed 13] [--out NERdata]
"""

from __future__ import annotations

import argparse
import random
import re
from dataclasses import dataclass
from pathlib import Path

MIN_TOKENS = 8
MAX_TOKENS = 40
HELDOUT_RATE = 0.3  # chance that an entity slot in devel/test uses a held-out name

# --------------------------------------------------------------------------
# Lexicons.  Entries are pre-tokenized: tokens are separated by single spaces,
# punctuation (hyphens, parentheses, apostrophes) is a token of its own.
# --------------------------------------------------------------------------

# Disease names used by both biomedical datasets (cross-dataset overlap).
SHARED_DISEASES = [
    "hypertension", "type 2 diabetes", "diabetes mellitus", "breast cancer",
    "cardiomyopathy", "seizures", "ataxia", "renal failure",
    "hepatocellular carcinoma", "Parkinson disease", "Alzheimer disease",
    "myocardial infarction", "epilepsy", "dementia", "deafness",
    "hypothyroidism", "colorectal cancer", "obesity",
]

# Genetics-flavoured diseases, only in demo-disease.
GENETIC_DISEASES = [
    "adenomatous polyposis coli", "Huntington disease", "cystic fibrosis",
    "Duchenne muscular dystrophy", "myotonic dystrophy", "ataxia - telangiectasia",
    "familial adenomatous polyposis", "hereditary nonpolyposis colorectal cancer",
    "ovarian cancer", "retinoblastoma", "Wilms tumor", "neurofibromatosis type 1",
    "von Hippel - Lindau disease", "Tay - Sachs disease", "Fabry disease",
    "phenylketonuria", "hemophilia A", "spinocerebellar ataxia type 1",
    "Wiskott - Aldrich syndrome", "X - linked adrenoleukodystrophy",
    "amyotrophic lateral sclerosis", "fragile X syndrome", "mental retardation",
    "Gaucher disease", "Marfan syndrome", "sickle cell anemia", "beta - thalassemia",
    "Charcot - Marie - Tooth disease", "polycystic kidney disease", "glioblastoma",
    "medulloblastoma", "Li - Fraumeni syndrome", "muscular dystrophy",
    "prostate cancer", "colon cancer", "tumors", "cancer", "insulin - dependent diabetes mellitus",
    "Niemann - Pick disease type C", "hereditary hemochromatosis",
    "primary ovarian failure", "congenital adrenal hyperplasia",
]

# Only in devel/test of demo-disease (never seen in training).
GENETIC_DISEASES_HELDOUT = [
    "Menkes disease", "Lesch - Nyhan syndrome", "Becker muscular dystrophy",
    "Smith - Lemli - Opitz syndrome", "Wolfram syndrome", "Pompe disease",
    "Rett syndrome", "Friedreich ataxia", "Angelman syndrome",
    "familial Mediterranean fever", "hereditary spherocytosis",
    "juvenile polyposis", "pheochromocytoma", "Cowden disease",
]

# Abbreviations, used by the "<name> ( <abbr> )" slot.
DISEASE_ABBREVIATIONS = {
    "adenomatous polyposis coli": "APC",
    "Huntington disease": "HD",
    "cystic fibrosis": "CF",
    "Duchenne muscular dystrophy": "DMD",
    "myotonic dystrophy": "DM",
    "diabetes mellitus": "DM",
    "type 2 diabetes": "T2D",
    "ataxia - telangiectasia": "A - T",
    "familial adenomatous polyposis": "FAP",
    "hereditary nonpolyposis colorectal cancer": "HNPCC",
    "neurofibromatosis type 1": "NF1",
    "von Hippel - Lindau disease": "VHL",
    "phenylketonuria": "PKU",
    "spinocerebellar ataxia type 1": "SCA1",
    "Wiskott - Aldrich syndrome": "WAS",
    "X - linked adrenoleukodystrophy": "ALD",
    "amyotrophic lateral sclerosis": "ALS",
    "insulin - dependent diabetes mellitus": "IDDM",
    "polycystic kidney disease": "PKD",
    "hepatocellular carcinoma": "HCC",
    "congenital adrenal hyperplasia": "CAH",
    "Alzheimer disease": "AD",
    "Parkinson disease": "PD",
    "Lesch - Nyhan syndrome": "LNS",
    "Becker muscular dystrophy": "BMD",
    "Smith - Lemli - Opitz syndrome": "SLOS",
    "familial Mediterranean fever": "FMF",
    "acute kidney injury": "AKI",
    "neuroleptic malignant syndrome": "NMS",
    "Stevens - Johnson syndrome": "SJS",
    "drug - induced liver injury": "DILI",
    "tardive dyskinesia": "TD",
    "myocardial infarction": "MI",
}

# Clinical / drug-induced diseases, only in demo-disease-cross.
CLINICAL_DISEASES = [
    "hepatotoxicity", "nephrotoxicity", "acute kidney injury", "postural hypotension",
    "torsade de pointes", "rhabdomyolysis", "agranulocytosis", "tardive dyskinesia",
    "Stevens - Johnson syndrome", "lactic acidosis", "hyperkalemia", "hypoglycemia",
    "ventricular tachycardia", "bradycardia", "catalepsy",
    "neuroleptic malignant syndrome", "serotonin syndrome", "peripheral neuropathy",
    "status epilepticus", "interstitial nephritis", "pancreatitis",
    "thrombocytopenia", "myocardial ischemia", "cardiac arrhythmias",
    "drug - induced liver injury", "hemorrhagic cystitis", "ototoxicity",
    "pulmonary fibrosis", "parkinsonism", "akathisia", "delirium", "hypotension",
    "cardiotoxicity", "neutropenia", "hepatitis", "headache", "nausea",
    "convulsions", "proteinuria", "anemia",
]

CLINICAL_DISEASES_HELDOUT = [
    "cholestatic jaundice", "aplastic anemia", "angioedema", "ischemic colitis",
    "QT prolongation", "oculogyric crisis", "myoclonus", "hyponatremia",
    "toxic epidermal necrolysis", "acute tubular necrosis",
]

GENES = [
    "BRCA1", "BRCA2", "TP53", "CFTR", "ATM", "MLH1", "MSH2", "PTEN", "RB1",
    "WT1", "PAH", "HEXA", "GLA", "FMR1", "DMPK", "KRAS", "EGFR", "SOD1",
    "HTT", "FBN1", "GBA", "HFE", "CYP21A2", "PKD1", "PKD2", "ABCD1",
    "SMAD4", "LKB1", "MEN1", "CDKN2A", "ATXN1", "FXN", "MECP2", "UBE3A",
    "ATP7A", "HPRT1", "NPC1", "LMNA", "COL1A1", "HBB",
]

PROTEIN_DESCRIPTIONS = [
    "serine / threonine kinase", "transmembrane chloride channel",
    "DNA mismatch repair protein", "nuclear transcription factor",
    "lysosomal hydrolase", "copper - transporting ATPase", "GTPase - activating protein",
    "ubiquitin ligase", "cell adhesion molecule",
]

MUTATIONS = [
    "R117H", "G542X", "delta F508", "R132H", "C282Y", "E6V", "W1282X",
    "I1307K", "H1069Q", "N370S", "R408W", "185delAG", "5382insC", "G12D",
]

TISSUES = [
    "skeletal muscle", "liver", "brain", "lymphoblastoid cells", "fibroblasts",
    "the retina", "kidney", "peripheral blood leukocytes", "cardiac muscle",
    "the cerebellum", "colonic epithelium",
]

POPULATIONS = [
    "Finnish", "Ashkenazi Jewish", "Japanese", "Italian", "French Canadian",
    "Dutch", "Icelandic", "Brazilian", "Korean", "Sardinian",
]

CHROMOSOME_BANDS = [
    "11q22 - 23", "17q21", "13q14", "5q21", "4p16.3", "19q13.3", "Xp21",
    "6p21.3", "3p25", "7q31", "9q34", "Xq28", "16p13.3",
]

DRUGS = [
    "cisplatin", "doxorubicin", "haloperidol", "lithium", "amiodarone",
    "gentamicin", "methotrexate", "valproate", "isoniazid", "clozapine",
    "cyclophosphamide", "metformin", "warfarin", "heparin", "propranolol",
    "carbamazepine", "acetaminophen", "tamoxifen", "levodopa", "selegiline",
    "cocaine", "nifedipine", "captopril", "furosemide", "vancomycin",
    "ketamine", "morphine", "dexamethasone", "insulin", "risperidone",
]

DOSES = [
    "10 mg / kg", "5 mg / kg / day", "100 mg daily", "2.5 mg / kg",
    "40 mg / day", "0.5 mg / kg", "250 mg twice daily", "1 g / m2",
]

FIRST_NAMES = [
    "John", "Maria", "Peter", "Anna", "Michael", "Helmut", "Jacques", "Boris",
    "Yasser", "Carlos", "Ingrid", "Li", "Nelson", "Tony", "Jean", "Paul",
    "Sergei", "Gordon", "Ahmed", "Lars", "Giovanni", "Kofi", "Elena", "David",
]
LAST_NAMES = [
    "Smith", "Kohl", "Chirac", "Yeltsin", "Arafat", "Major", "Mandela", "Blair",
    "Dole", "Clinton", "Rossi", "Petrov", "Nakamura", "Santos", "Schmidt",
    "Dupont", "Annan", "Andersson", "Weber", "Ivanov", "Murray", "Costa",
]
PERSONS_HELDOUT = [
    "Rebecca Lindqvist", "Tomasz Kowalczyk", "Oluwaseun Adeyemi", "Hiroshi Tanabe",
    "Marguerite Fontaine", "Dragan Milosavljevic", "Pedro Albuquerque", "Ulrike Brandt",
    "Kowalczyk", "Fontaine", "Adeyemi",
]

ORGANISATIONS = [
    "Reuters", "European Commission", "United Nations", "Bundesbank", "NATO",
    "Deutsche Bank", "General Motors", "Microsoft", "World Bank",
    "International Monetary Fund", "British Airways", "Siemens", "Fiat",
    "Red Cross", "European Union", "Volkswagen", "Interfax", "Toyota",
    "Labour Party", "Federal Reserve", "Nestle", "Philips", "Shell",
]
CLUBS = [
    "Manchester United", "Ajax", "Bayern Munich", "Juventus", "Barcelona",
    "Liverpool", "Celtic", "Benfica", "Porto", "Arsenal", "Inter Milan",
    "PSV Eindhoven", "Real Madrid", "Feyenoord",
]
ORGANISATIONS_HELDOUT = [
    "Kestrel Holdings", "Nordbank", "Atlantic Mining Corp",
    "Baltic Shipping Company", "Meridian Airlines",
]
CLUBS_HELDOUT = ["Sporting Gijon", "Dynamo Tbilisi", "Rapid Vienna"]

COUNTRIES = [
    "Germany", "France", "Russia", "Britain", "Italy", "Spain", "Japan",
    "China", "Israel", "Iraq", "South Africa", "Brazil", "Netherlands",
    "Poland", "Turkey", "Egypt", "Mexico", "Australia", "Sweden", "Nigeria",
    "United States", "Belgium", "Chechnya", "Bosnia",
]
CITIES = [
    "London", "Paris", "Moscow", "Bonn", "Washington", "New York", "Tokyo",
    "Hong Kong", "Brussels", "Jerusalem", "Sarajevo", "Madrid", "Rome",
    "Frankfurt", "Johannesburg", "Sydney", "Rio de Janeiro", "Los Angeles",
    "Amsterdam", "Geneva", "Beijing", "Cairo",
]
LOCATIONS_HELDOUT = [
    "Tallinn", "Montevideo", "Kyrgyzstan", "Ljubljana", "Burkina Faso",
    "Port Moresby", "Zambia", "Valletta",
]

NATIONALITIES = [
    "German", "French", "Russian", "British", "Italian", "Spanish", "Japanese",
    "Chinese", "Israeli", "Iraqi", "Dutch", "Polish", "Turkish", "Egyptian",
    "Mexican", "Australian", "Swedish", "Nigerian", "American", "Belgian",
    "Palestinian", "Bosnian", "Serb", "Kurdish",
]
NATIONALITIES_HELDOUT = ["Estonian", "Uruguayan", "Slovenian", "Maltese", "Zambian"]

EVENTS = [
    "World Cup", "Olympic Games", "Tour de France", "U.S. Open", "Wimbledon",
    "European Championship", "Davis Cup", "Grand Prix", "Champions League",
    "World Championships", "Super Bowl", "Ryder Cup",
]
EVENTS_HELDOUT = ["Asian Games", "Copa America", "Commonwealth Games"]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "March", "April", "June", "September", "October", "December"]
CURRENCIES = ["marks", "francs", "yen", "pounds", "dollars", "lire", "guilders"]

# --------------------------------------------------------------------------
# Templates.  Tokens are separated by spaces; ``{SLOT}`` tokens are filled in
# by the slot fillers below (entity slots produce tagged tokens).
# --------------------------------------------------------------------------

DISEASE_TEMPLATES = [
    "Mutations in the {GENE} gene cause {DIS} .",
    "{DIS_ABBR} is an autosomal dominant disorder caused by mutations in {GENE} .",
    "We identified {NUM} novel mutations in {NUM} unrelated patients with {DIS} .",
    "The {GENE} protein is expressed in {TISSUE} , and its loss leads to {DIS} .",
    "Patients with {DIS} showed reduced levels of {GENE} mRNA in {TISSUE} .",
    "Germline mutations of {GENE} predispose carriers to {DIS} and {DIS} .",
    "{DIS} is the most common inherited cause of {DIS} in the {POP} population .",
    "The prevalence of {DIS} among {POP} newborns was estimated at 1 in {BIGNUM} .",
    "Linkage analysis mapped the {DIS} locus to chromosome {CHROM} .",
    "No mutations in {GENE} were detected in {NUM} families with {DIS} .",
    "These results suggest that {GENE} acts as a tumor suppressor in {DIS} .",
    "A {MUT} substitution in exon {NUM} of {GENE} was found in a patient with {DIS} .",
    "Heterozygous carriers of {GENE} mutations have an increased risk of {DIS} ( odds ratio {FLOAT} ) .",
    "Clinical features of {DIS} include {DIS} , {DIS} and {DIS} .",
    "Deficiency of {GENE} results in {DIS_ABBR} , a rare inherited disorder .",
    "In contrast , {GENE} expression was normal in control subjects without {DIS} .",
    "The frequency of the {GENE} {MUT} allele was {PCT} in cases and {PCT} in controls .",
    "Transgenic mice lacking {GENE} develop {DIS} by {NUM} weeks of age .",
    "Treatment with {DRUG} did not prevent the progression of {DIS} in these patients .",
    "{GENE} and {GENE} form a complex that is required for DNA repair .",
    "Our data indicate that {DIS} and {DIS} share a common genetic basis .",
    "We describe a large {POP} family in which {DIS} segregates with the {MUT} mutation in {GENE} .",
    "The gene responsible for {DIS_ABBR} has been localized to {CHROM} .",
    "Somatic inactivation of {GENE} was observed in {PCT} of sporadic {DIS} .",
    "Screening of {NUM} {POP} patients with {DIS} revealed {NUM} carriers of the {MUT} allele .",
    "Unlike {DIS} , {DIS} is not associated with expansion of a CAG repeat .",
    "Loss of heterozygosity at the {GENE} locus is frequent in {DIS} .",
    "These findings have implications for genetic counselling in families with {DIS} .",
    "Individuals with {DIS_ABBR} frequently develop {DIS} during childhood .",
    "The {GENE} gene product , a {PROTEIN} , is mutated in {DIS} .",
    "Sequence analysis of {GENE} in {NUM} probands identified {NUM} different mutations .",
    "The {MUT} mutation accounts for {PCT} of {GENE} alleles in {POP} patients with {DIS} .",
    "Expression of {GENE} was markedly increased in {TISSUE} from patients with {DIS_ABBR} .",
    "To determine whether {GENE} is involved in {DIS} , we screened the entire coding region in {NUM} unrelated patients and {BIGNUM} healthy controls by single - strand conformation polymorphism analysis .",
    "Although {DIS_ABBR} and {DIS} are clinically distinct , both are characterized by progressive {DIS} , and in some families the two conditions co - segregate with markers on chromosome {CHROM} .",
    "The {MUT} mutation , previously reported in {POP} families with {DIS} , was absent from {BIGNUM} control chromosomes , indicating that it is not a common polymorphism .",
]

CROSS_TEMPLATES = [
    "{DRUG} - induced {DIS} in rats .",
    "A case of {DIS} associated with {DRUG} therapy .",
    "{DIS} developed in {NUM} of {BIGNUM} patients receiving {DRUG} .",
    "The incidence of {DIS} was significantly higher in the {DRUG} group ( {PCT} vs {PCT} ) .",
    "We report a {AGE} - year - old woman who presented with {DIS} after {NUM} days of {DRUG} .",
    "{DRUG} is widely used for the treatment of {DIS} , but it may cause {DIS} .",
    "Risk factors for {DIS} included {DIS} , {DIS} and prior exposure to {DRUG} .",
    "Serum creatinine levels increased within {NUM} days , consistent with {DIS} .",
    "Pretreatment with {DRUG} attenuated {DRUG} - induced {DIS} in mice .",
    "{DIS} resolved within {NUM} weeks after discontinuation of {DRUG} .",
    "Patients with pre - existing {DIS} should receive {DRUG} with caution .",
    "Blood pressure and heart rate were monitored for {NUM} hours after {DRUG} administration .",
    "Electroencephalographic recordings revealed {DIS} in {PCT} of treated animals .",
    "Long - term {DRUG} use is a recognized cause of {DIS} and {DIS} .",
    "There was no evidence of {DIS} in the placebo group .",
    "Chronic administration of {DRUG} ( {DOSE} ) produced {DIS} in rats .",
    "{DRUG} toxicity manifested as {DIS} , {DIS} , and {DIS} .",
    "These results suggest that {DRUG} may protect against {DIS} .",
    "A {AGE} - year - old man with a history of {DIS} was admitted with {DIS} .",
    "Adverse events included {DIS} ( {NUM} patients ) and {DIS} ( {NUM} patients ) .",
    "Plasma concentrations of {DRUG} were measured by high - performance liquid chromatography .",
    "The combination of {DRUG} and {DRUG} increased the risk of {DIS} .",
    "{DIS_ABBR} is a rare but serious complication of {DRUG} treatment .",
    "Symptoms of {DIS} improved after the dose of {DRUG} was reduced to {DOSE} .",
    "Rats treated with {DRUG} showed {DIS} and elevated serum transaminases .",
    "The mean age of the {BIGNUM} patients was {AGE} years , and {PCT} were women .",
    "Intravenous {DRUG} rapidly reversed {DIS} in all {NUM} cases .",
    "In this retrospective study of {BIGNUM} patients treated with {DRUG} between {YEAR} and {YEAR} , {NUM} developed {DIS} , and the risk was highest among those with underlying {DIS} or {DIS} .",
    "Because {DIS} can occur without warning , patients receiving {DRUG} should be monitored closely , particularly during the first {NUM} weeks of therapy and after any increase in dose .",
    "After {NUM} weeks of oral {DRUG} ( {DOSE} ) , the rats developed {DIS} , whereas animals given {DRUG} alone showed no signs of {DIS} or {DIS} .",
]

NEWS_TEMPLATES = [
    "{PER} , the chief executive of {ORG} , said on {DAY} that the company would cut {BIGNUM} jobs .",
    "{LOC} beat {LOC} {SCORE} in a {EVENT} qualifier in {LOC} on {DAY} .",
    "{ORG} shares rose {FLOAT} percent to {PRICE} {CURRENCY} in {LOC} trading .",
    "{NAT} Prime Minister {PER} arrived in {LOC} on {DAY} for talks with {PER} .",
    "The {ORG} said in a statement that it had agreed to buy {ORG} for {NUM} million dollars .",
    "{PER} scored twice as {CLUB} beat {CLUB} {SCORE} on {DAY} .",
    "Police in {LOC} arrested {NUM} people after clashes near the {NAT} embassy , a spokesman said .",
    "{PER} told reporters in {LOC} that {ORG} would not change its policy .",
    "The {NAT} team , coached by {PER} , will face {LOC} in the semi-finals .",
    "{ORG} reported a net profit of {NUM} million {CURRENCY} for the first half , up from {NUM} million .",
    "Foreign ministers from {LOC} and {LOC} met in {LOC} on {DAY} to discuss the crisis .",
    "{PER} ( {LOC} ) beat {PER} ( {LOC} ) {SET} {SET} in the second round .",
    "{PER} , a spokesman for the {ORG} , declined to comment on the report .",
    "The {EVENT} match in {LOC} was postponed because of rain on {DAY} .",
    "Officials from {ORG} and the {ORG} will visit {LOC} next week , {ORG} reported .",
    "{PER} won the {EVENT} title after beating {PER} in the final .",
    "Thousands of {NAT} refugees crossed the border into {LOC} , the {ORG} said .",
    "{LOC} 's parliament approved the budget by {NUM} votes to {NUM} on {DAY} .",
    "{PER} , who joined {ORG} in {YEAR} , replaces {PER} as finance director .",
    "Rebels attacked a convoy near {LOC} , killing {NUM} soldiers , the army said .",
    "{ORG} said it expected sales in {LOC} to grow by {NUM} percent next year .",
    "{PER} of {LOC} set a new world record in the {DIST} metres at the {EVENT} .",
    "The {NAT} government has denied that it supplied weapons to rebels in {LOC} .",
    "Analysts said the {NAT} central bank was unlikely to cut interest rates before {MONTH} .",
    "{PER} said {ORG} had no plans to list its shares on the {LOC} stock exchange .",
    "{CLUB} striker {PER} was sent off after {NUM} minutes in {LOC} on {DAY} .",
    "Heavy rain is expected across northern {LOC} on {DAY} , forecasters said .",
    "{ORG} and {ORG} agreed to merge , creating the largest bank in {LOC} .",
    "The {NAT} foreign minister , {PER} , will travel to {LOC} and {LOC} in {MONTH} .",
    "Prices on the stock market closed lower on {DAY} as investors waited for the budget .",
    "{PER} , {AGE} , has been named coach of {CLUB} until the end of the season .",
    "A court in {LOC} sentenced {NUM} {NAT} nationals to {NUM} years in prison , {ORG} said .",
    "{PER} , speaking to reporters after a meeting with {NAT} President {PER} in {LOC} on {DAY} , said the talks had been constructive but that serious differences remained over the future of {LOC} .",
    "{ORG} , which employs about {BIGNUM} people in {LOC} , said in a statement issued in {LOC} that it would close {NUM} plants by the end of {YEAR} and move production to {LOC} .",
    "{CLUB} , who lost {SCORE} to {CLUB} last week , moved up to third place in the league with a {SCORE} home win over {CLUB} on {DAY} , with {PER} scoring the winner .",
]


# --------------------------------------------------------------------------
# Data model and slot filling.
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Segment:
    """A run of tokens produced by one template piece; ``label`` is the
    entity type (e.g. ``"Disease"``, ``"PER"``) or ``None`` for plain text."""

    tokens: tuple[str, ...]
    label: str | None = None


@dataclass(frozen=True)
class EntityPool:
    """Names for one entity slot: ``seen`` may appear in every split,
    ``heldout`` only in devel/test."""

    label: str
    seen: tuple[str, ...]
    heldout: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatasetSpec:
    """Everything needed to generate one dataset."""

    name: str
    templates: tuple[str, ...]
    pools: dict  # slot name -> EntityPool
    sizes: dict  # split name -> number of sentences
    tag_style: str  # "untyped" (B/I/O) or "typed" (B-X/I-X/O)
    separator: str  # column separator: " " or "\t"
    labels: tuple[str, ...] | None  # contents of labels.txt, or None for no file


SLOT_RE = re.compile(r"^\{([A-Z_]+)\}$")


def toks(text: str) -> tuple[str, ...]:
    """Split a pre-tokenized lexicon entry or template into tokens."""
    return tuple(text.split())


def plain_filler(slot: str, rng: random.Random) -> tuple[str, ...]:
    """Fill a non-entity slot (numbers, genes, drugs, ...) with O-tagged tokens."""
    if slot == "NUM":
        return (str(rng.randint(2, 60)),)
    if slot == "BIGNUM":
        return (str(rng.choice([120, 250, 400, 800, 1200, 2500, 5000, 10000])),)
    if slot == "AGE":
        return (str(rng.randint(19, 84)),)
    if slot == "YEAR":
        return (str(rng.randint(1978, 1996)),)
    if slot == "DIST":
        return (rng.choice(["100", "200", "400", "800", "1,500", "5,000", "10,000"]),)
    if slot == "FLOAT":
        return (f"{rng.randint(1, 9)}.{rng.randint(0, 9)}",)
    if slot == "PRICE":
        return (f"{rng.randint(5, 950)}.{rng.randint(0, 99):02d}",)
    if slot == "PCT":
        return (str(rng.randint(1, 95)), "%")
    if slot == "SCORE":
        return (f"{rng.randint(0, 5)}-{rng.randint(0, 4)}",)
    if slot == "SET":
        return (rng.choice(["6-3", "6-4", "7-5", "6-2", "7-6", "6-1", "4-6", "3-6"]),)
    choices = {
        "GENE": GENES, "MUT": MUTATIONS, "TISSUE": TISSUES, "POP": POPULATIONS,
        "CHROM": CHROMOSOME_BANDS, "DRUG": DRUGS, "DOSE": DOSES,
        "PROTEIN": PROTEIN_DESCRIPTIONS, "DAY": WEEKDAYS, "MONTH": MONTHS,
        "CURRENCY": CURRENCIES,
    }
    if slot not in choices:
        raise KeyError(f"unknown slot {{{slot}}}")
    return toks(rng.choice(choices[slot]))


def pick_name(pool: EntityPool, rng: random.Random, allow_heldout: bool,
              used: list[str], candidates: tuple[str, ...] | None = None) -> str:
    """Pick an entity name from ``pool`` that is not yet used in the sentence.

    With ``allow_heldout`` (devel/test), a held-out name is chosen with
    probability ``HELDOUT_RATE``.  ``candidates`` restricts the choice (used for
    names that have an abbreviation)."""
    seen = [n for n in pool.seen if candidates is None or n in candidates]
    held = [n for n in pool.heldout if candidates is None or n in candidates]
    source = held if (allow_heldout and held and rng.random() < HELDOUT_RATE) else seen
    fresh = [n for n in source if n not in used] or source
    name = rng.choice(fresh)
    used.append(name)
    return name


def person_name(rng: random.Random, allow_heldout: bool, used: list[str]) -> str:
    """A person mention: full name or surname only (CoNLL style)."""
    if allow_heldout and rng.random() < HELDOUT_RATE:
        name = rng.choice(PERSONS_HELDOUT)
    elif rng.random() < 0.7:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    else:
        name = rng.choice(LAST_NAMES)
    used.append(name)
    return name


def fill_slot(slot: str, spec: DatasetSpec, rng: random.Random,
              allow_heldout: bool, used: list[str]) -> list[Segment]:
    """Expand one ``{SLOT}`` of a template into segments."""
    if slot == "PER":
        return [Segment(toks(person_name(rng, allow_heldout, used)), "PER")]
    if slot == "DIS_ABBR":
        pool = spec.pools["DIS"]
        name = pick_name(pool, rng, allow_heldout, used, tuple(DISEASE_ABBREVIATIONS))
        abbr = DISEASE_ABBREVIATIONS[name]
        return [Segment(toks(name), pool.label), Segment(("(",)),
                Segment(toks(abbr), pool.label), Segment((")",))]
    if slot in spec.pools:
        pool = spec.pools[slot]
        return [Segment(toks(pick_name(pool, rng, allow_heldout, used)), pool.label)]
    return [Segment(plain_filler(slot, rng))]


def realize(template: str, spec: DatasetSpec, rng: random.Random,
            allow_heldout: bool) -> list[Segment]:
    """Turn a template into a list of segments (tokens with entity labels)."""
    segments: list[Segment] = []
    used: list[str] = []
    for piece in template.split():
        match = SLOT_RE.match(piece)
        if match:
            segments.extend(fill_slot(match.group(1), spec, rng, allow_heldout, used))
        else:
            segments.append(Segment((piece,)))
    return capitalize_first(segments)


def capitalize_first(segments: list[Segment]) -> list[Segment]:
    """Upper-case the first letter of the sentence (e.g. "type 2 diabetes ..."
    at the start becomes "Type 2 diabetes ...")."""
    first = segments[0]
    word = first.tokens[0]
    if word[:1].islower():
        segments[0] = Segment((word[0].upper() + word[1:],) + first.tokens[1:], first.label)
    return segments


def to_tagged(segments: list[Segment], tag_style: str) -> list[tuple[str, str]]:
    """Convert segments to ``(word, tag)`` pairs in IOB2, typed or untyped."""
    pairs = []
    for seg in segments:
        for i, word in enumerate(seg.tokens):
            if seg.label is None:
                tag = "O"
            else:
                prefix = "B" if i == 0 else "I"
                tag = prefix if tag_style == "untyped" else f"{prefix}-{seg.label}"
            pairs.append((word, tag))
    return pairs


def template_deck(templates: tuple[str, ...], rng: random.Random):
    """Yield templates forever, each round a fresh shuffle, so that every
    template is used about equally often."""
    while True:
        deck = list(templates)
        rng.shuffle(deck)
        yield from deck


def generate_split(spec: DatasetSpec, split: str, seed: int) -> list[list[tuple[str, str]]]:
    """Generate the sentences of one split of one dataset."""
    rng = random.Random(f"{seed}:{spec.name}:{split}")
    allow_heldout = split != "train"
    deck = template_deck(spec.templates, rng)
    sentences = []
    while len(sentences) < spec.sizes[split]:
        template = next(deck)
        for _ in range(50):  # resample fillers until the length is in range
            tagged = to_tagged(realize(template, spec, rng, allow_heldout), spec.tag_style)
            if MIN_TOKENS <= len(tagged) <= MAX_TOKENS:
                sentences.append(tagged)
                break
    return sentences


def format_split(sentences: list[list[tuple[str, str]]], separator: str) -> str:
    """Render sentences as ``word<sep>tag`` lines, blank line between sentences."""
    blocks = ["\n".join(f"{w}{separator}{t}" for w, t in sent) for sent in sentences]
    return "\n\n".join(blocks) + "\n"


def count_entities(sentences: list[list[tuple[str, str]]]) -> int:
    """Number of entity mentions (B tags) in the sentences."""
    return sum(1 for sent in sentences for _, tag in sent if tag.startswith("B"))


# --------------------------------------------------------------------------
# Dataset definitions and main.
# --------------------------------------------------------------------------

def dataset_specs() -> list[DatasetSpec]:
    """The three demo datasets."""
    news_tags = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")
    return [
        DatasetSpec(
            name="demo-disease",
            templates=tuple(DISEASE_TEMPLATES),
            pools={"DIS": EntityPool("Disease", tuple(SHARED_DISEASES + GENETIC_DISEASES),
                                     tuple(GENETIC_DISEASES_HELDOUT))},
            sizes={"train": 300, "devel": 60, "test": 60},
            tag_style="untyped", separator=" ", labels=("B", "I", "O"),
        ),
        DatasetSpec(
            name="demo-news",
            templates=tuple(NEWS_TEMPLATES),
            pools={
                "ORG": EntityPool("ORG", tuple(ORGANISATIONS), tuple(ORGANISATIONS_HELDOUT)),
                "CLUB": EntityPool("ORG", tuple(CLUBS), tuple(CLUBS_HELDOUT)),
                "LOC": EntityPool("LOC", tuple(COUNTRIES + CITIES), tuple(LOCATIONS_HELDOUT)),
                "NAT": EntityPool("MISC", tuple(NATIONALITIES), tuple(NATIONALITIES_HELDOUT)),
                "EVENT": EntityPool("MISC", tuple(EVENTS), tuple(EVENTS_HELDOUT)),
            },
            sizes={"train": 300, "devel": 60, "test": 60},
            tag_style="typed", separator=" ", labels=news_tags,
        ),
        DatasetSpec(
            name="demo-disease-cross",
            templates=tuple(CROSS_TEMPLATES),
            pools={"DIS": EntityPool("Disease", tuple(SHARED_DISEASES + CLINICAL_DISEASES),
                                     tuple(CLINICAL_DISEASES_HELDOUT))},
            sizes={"train": 150, "devel": 40, "test": 60},
            tag_style="typed", separator="\t", labels=None,
        ),
    ]


def write_dataset(spec: DatasetSpec, out_dir: Path, seed: int) -> str:
    """Generate and write one dataset; return a one-line summary."""
    target = out_dir / spec.name
    target.mkdir(parents=True, exist_ok=True)
    counts, n_tokens, n_entities = [], 0, 0
    for split in ("train", "devel", "test"):
        sentences = generate_split(spec, split, seed)
        (target / f"{split}.txt").write_bytes(format_split(sentences, spec.separator).encode("utf-8"))
        counts.append(f"{split}={len(sentences)}")
        n_tokens += sum(len(s) for s in sentences)
        n_entities += count_entities(sentences)
    if spec.labels is not None:
        (target / "labels.txt").write_bytes(("\n".join(spec.labels) + "\n").encode("utf-8"))
    return f"{spec.name}: sentences {' '.join(counts)}, tokens {n_tokens}, entities {n_entities}"


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=13, help="random seed (default: 13)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="output folder (default: the folder of this script)")
    args = parser.parse_args(argv)
    for spec in dataset_specs():
        print(write_dataset(spec, args.out, args.seed))


if __name__ == "__main__":
    main()
