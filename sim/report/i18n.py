"""Labels in Russian and English from one catalogue, and number formatting per language.

Every title, axis label and legend entry of :mod:`sim.report.charts` and :mod:`sim.report` come
from :data:`CATALOGUE` through :func:`t`; outcome labels come from :mod:`sim.model.outcomes`
(``label_en``, ``label_ru``) and units are translated by :func:`unit`. Numbers are formatted by
:func:`fmt`: Russian uses a decimal comma, a narrow no-break space (U+202F) between thousands
and before ``%``, and the true minus sign (U+2212); English uses a decimal point and comma
thousands.
"""

from __future__ import annotations

import math
from typing import Any

from sim.model.outcomes import outcome

__all__ = [
    "CATALOGUE",
    "LANGS",
    "NNBSP",
    "arm_label",
    "check_lang",
    "fmt",
    "fmt_ci",
    "fmt_pct",
    "outcome_label",
    "param_label",
    "t",
    "unit",
]

LANGS = ("ru", "en")
NNBSP = "\u202f"  # narrow no-break space
MINUS = "\u2212"

CATALOGUE: dict[str, dict[str, str]] = {
    # chart titles
    "fan_title": {"en": "{outcome}: de facto vs {arm}", "ru": "{outcome}: де-факто и {arm}"},
    "regime_title": {
        "en": "Effect of each regime vs the de-facto cluster",
        "ru": "Эффект режимов преференций относительно кластера де-факто",
    },
    "dose_title": {
        "en": "{outcome}: effect by {param}",
        "ru": "{outcome}: эффект в зависимости от параметра «{param}»",
    },
    "budget_title": {
        "en": "Preference cost and extra tax revenue",
        "ru": "Стоимость преференций и дополнительные налоговые доходы",
    },
    "tornado_title": {
        "en": "Sensitivity of the {arm} effect on {outcome}",
        "ru": "Чувствительность эффекта «{arm}»: {outcome}",
    },
    "sobol_title": {
        "en": "Sobol indices of the {arm} effect on {outcome}",
        "ru": "Индексы Соболя эффекта «{arm}»: {outcome}",
    },
    "network_title": {
        "en": "Supply network, {arm}, quarter {quarter}",
        "ru": "Сеть поставок, {arm}, квартал {quarter}",
    },
    "timeline_title": {
        "en": "Participation and registration criteria",
        "ru": "Участники кластера и критерии реестра",
    },
    # axes
    "quarter": {"en": "Quarter", "ru": "Квартал"},
    "effect_pct": {"en": "Effect vs de facto, %", "ru": "Эффект к де-факто, %"},
    "effect_pct_short": {"en": "Effect, %", "ru": "Эффект, %"},
    "effect_abs": {"en": "Effect, {unit}", "ru": "Эффект, {unit}"},
    "mln_rub": {"en": "mln RUB", "ru": "млн руб."},
    "budget_cost_axis": {
        "en": "Preference cost, mln RUB",
        "ru": "Стоимость преференций, млн руб.",
    },
    "budget_tax_axis": {
        "en": "Extra tax revenue, mln RUB",
        "ru": "Доп. налоговые доходы, млн руб.",
    },
    "budget_note": {
        "en": "Totals over the horizon; numbers: budget efficiency (discounted)",
        "ru": "Суммы за горизонт; числа — бюджетная эффективность (дисконт.)",
    },
    "firms": {"en": "Firms", "ru": "Предприятия"},
    "share": {"en": "Share", "ru": "Доля"},
    "mu_star": {"en": "Morris μ*, {unit}", "ru": "Моррис μ*, {unit}"},
    "sobol_index": {"en": "Sobol index", "ru": "Индекс Соболя"},
    # legend entries
    "median": {"en": "median", "ru": "медиана"},
    "band50": {"en": "50 % band", "ru": "50 % интервал"},
    "band90": {"en": "90 % band", "ru": "90 % интервал"},
    "registration": {"en": "registration (median)", "ru": "регистрация (медиана)"},
    "ci95": {"en": "95 % CI", "ru": "95 % ДИ"},
    "break_even": {"en": "break-even", "ru": "окупаемость"},
    "federal": {"en": "federal budget", "ru": "федеральный бюджет"},
    "regional": {"en": "regional budget", "ru": "региональный бюджет"},
    "be": {"en": "budget efficiency", "ru": "бюджетная эффективность"},
    "S1": {"en": "first order S1", "ru": "первого порядка S1"},
    "ST": {"en": "total ST", "ru": "полный ST"},
    "large": {"en": "large enterprise", "ru": "крупное предприятие"},
    "sme": {"en": "SME", "ru": "МСП"},
    "participant": {"en": "participant", "ru": "участник"},
    "outsider": {"en": "outsider", "ru": "не участник"},
    "threshold": {"en": "registry threshold", "ru": "порог реестра"},
    "fd_default": {"en": "FD criterion {v}", "ru": "критерий ФЗ {v}"},
    "fd_reduced": {"en": "reduced FD criterion {v}", "ru": "пониженный критерий ФЗ {v}"},
    "min_participants": {
        "en": "min. industrial participants {v}",
        "ru": "мин. промышленных участников {v}",
    },
    "edge_width": {"en": "edge width ∝ purchases", "ru": "толщина связи ∝ закупки"},
    # source line
    "source": {
        "en": "clustersim {version}, scenario {scenario} {hash}, N = {n} replications",
        "ru": "clustersim {version}, сценарий {scenario} {hash}, N = {n} повторений",
    },
    # report
    "brief_title": {
        "en": "Cluster preference regimes: {title}",
        "ru": "Режимы преференций кластера: {title}",
    },
    "h_assumptions": {"en": "Key assumptions and sources", "ru": "Ключевые допущения и источники"},
    "h_regimes": {"en": "Regime table", "ru": "Таблица режимов"},
    "h_budget": {"en": "Budget", "ru": "Бюджет"},
    "h_charts": {"en": "Charts", "ru": "Графики"},
    "h_method": {"en": "Method", "ru": "Метод"},
    "method_note": {
        "en": (
            "Every regime is compared with the de-facto (unregistered) cluster on paired runs: "
            "replicate r uses the same random seed in every arm (common random numbers). "
            "{reps} paired replications per design point, horizon {quarters} quarters. Effects "
            "are regime minus de facto per pair, summed over the horizon for flows and "
            "averaged over the last four quarters for stocks; means with two-sided 95 % Student-t "
            "confidence intervals over pairs. Budget efficiency is discounted extra tax revenue "
            "over discounted preference cost (discount rate {rate} per year) with a paired "
            "bootstrap 95 % interval."
        ),
        "ru": (
            "Каждый режим сравнивается с кластером де-факто (без регистрации) на парных прогонах: "
            "повторение r использует одно и то же случайное зерно во всех вариантах (общие "
            "случайные числа). {reps} парных повторений на точку плана, горизонт {quarters} "
            "кварталов. Эффект — разность «режим минус де-факто» в паре: сумма за горизонт для "
            "потоков, среднее за последние четыре квартала для запасов; средние с двусторонними "
            "95 % доверительными интервалами Стьюдента по парам. Бюджетная эффективность — "
            "дисконтированные дополнительные налоговые доходы к дисконтированной стоимости "
            "преференций (ставка дисконтирования {rate} в год), 95 % интервал — парный бутстреп."
        ),
    },
    "col_key": {"en": "Parameter", "ru": "Параметр"},
    "col_value": {"en": "Value", "ru": "Значение"},
    "col_unit": {"en": "Unit", "ru": "Единица"},
    "col_source": {"en": "Source", "ru": "Источник"},
    "col_point": {"en": "Design point", "ru": "Точка плана"},
    "col_arm": {"en": "Regime", "ru": "Режим"},
    "col_n": {"en": "Pairs", "ru": "Пар"},
    "col_cost_total": {"en": "Preference cost, total", "ru": "Стоимость преференций, всего"},
    "col_cost_federal": {"en": "Preference cost, federal", "ru": "Стоимость преференций, фед."},
    "col_cost_regional": {
        "en": "Preference cost, regional",
        "ru": "Стоимость преференций, рег.",
    },
    "col_extra_tax_federal": {"en": "Extra tax, federal", "ru": "Доп. налоги, фед."},
    "col_extra_tax_regional": {"en": "Extra tax, regional", "ru": "Доп. налоги, рег."},
    "col_be_federal": {"en": "Budget efficiency, federal", "ru": "Бюдж. эффективность, фед."},
    "col_be_regional": {"en": "Budget efficiency, regional", "ru": "Бюдж. эффективность, рег."},
    "col_be_total": {"en": "Budget efficiency, total", "ru": "Бюдж. эффективность, всего"},
    "col_output_per_rouble": {"en": "Extra output per rouble", "ru": "Доп. выпуск на рубль"},
    "ci_low": {"en": "CI low", "ru": "ДИ от"},
    "ci_high": {"en": "CI high", "ru": "ДИ до"},
    "ratio": {"en": "ratio", "ru": "отношение"},
    "rub_per_rub": {"en": "RUB per RUB", "ru": "руб. на руб."},
    "pct": {"en": "%", "ru": "%"},
    "sweep": {"en": "Sweep", "ru": "Серия"},
    "generated": {"en": "Generated by", "ru": "Подготовлено"},
    "files": {"en": "Files", "ru": "Файлы"},
    # the interactive page (sim.app)
    "app_title": {
        "en": "Cluster preferences: strategy session",
        "ru": "Преференции кластера: стратегическая сессия",
    },
    "app_scenario": {"en": "Scenario", "ru": "Сценарий"},
    "app_regime": {"en": "Regime", "ru": "Режим"},
    "app_levels": {"en": "Preference levels", "ru": "Уровни преференций"},
    "app_horizon": {"en": "Horizon, quarters", "ru": "Горизонт, кварталов"},
    "app_reps": {"en": "Paired replications ({lo}–{hi})", "ru": "Парных повторений ({lo}–{hi})"},
    "app_seed": {"en": "Root seed", "ru": "Корневое зерно"},
    "app_source": {"en": "Source", "ru": "Источник"},
    "app_live": {"en": "Live run", "ru": "Прогон в реальном времени"},
    "app_play": {"en": "Run quarter by quarter", "ru": "Запустить по кварталам"},
    "app_registered_in": {
        "en": "Registered in quarter {q}",
        "ru": "Зарегистрирован в квартале {q}",
    },
    "app_not_registered": {"en": "Not registered yet", "ru": "Пока не зарегистрирован"},
    "app_quarter_of": {"en": "Quarter {q} of {n}", "ru": "Квартал {q} из {n}"},
    "app_estimate": {"en": "Estimate effects", "ru": "Оценить эффекты"},
    "app_running": {"en": "{done} of {total} runs", "ru": "{done} из {total} прогонов"},
    "app_effects": {
        "en": "Effects vs de facto, % (95 % CI)",
        "ru": "Эффекты к де-факто, % (95 % ДИ)",
    },
    "app_budget_efficiency": {"en": "Budget efficiency", "ru": "Бюджетная эффективность"},
    "app_be_note": {
        "en": "discounted extra tax / preference cost; cost {cost} mln RUB",
        "ru": "дисконт. доп. налоги / стоимость преференций; стоимость {cost} млн руб.",
    },
    "app_save": {"en": "Save", "ru": "Сохранить"},
    "app_sweep_name": {"en": "Sweep name", "ru": "Имя серии"},
    "app_saved": {"en": "Saved as sweep '{name}'", "ru": "Сохранено как серия «{name}»"},
    "app_download": {"en": "Download figure pack", "ru": "Скачать пакет графиков"},
    "app_compare": {"en": "Compare stored sweeps", "ru": "Сравнить сохранённые серии"},
    "app_stored": {"en": "Stored sweep", "ru": "Сохранённая серия"},
    "app_show": {"en": "Show", "ru": "Показать"},
    "app_no_sweeps": {"en": "No stored sweeps", "ru": "Нет сохранённых серий"},
    "app_refused": {"en": "Refused", "ru": "Отказано"},
    "app_lang": {"en": "Language", "ru": "Язык"},
    "app_joint_project_subsidy": {"en": "joint-project subsidy", "ru": "субсидия на проекты"},
    "app_starter_batch_subsidy": {
        "en": "starter-batch subsidy",
        "ru": "субсидия на стартовые партии",
    },
    "app_preferential_loans": {"en": "preferential loans", "ru": "льготные займы"},
    "app_tax_relief": {"en": "tax relief", "ru": "налоговые льготы"},
    "app_session": {"en": "Session", "ru": "Сессия"},
    "app_replicate": {"en": "Replicate of the live run", "ru": "Повторение для прогона"},
    "app_applied": {
        "en": "Levels of the current run (move a slider, then Reset to apply it)",
        "ru": "Уровни текущего прогона (сдвиньте ползунок и нажмите Reset, чтобы применить)",
    },
    "app_value": {"en": "Value", "ru": "Значение"},
    "app_unit": {"en": "Unit", "ru": "Единица"},
    "app_lever": {"en": "Lever", "ru": "Рычаг"},
    "app_network_at": {
        "en": "Supply network, quarter {q}",
        "ru": "Сеть поставок, квартал {q}",
    },
    "app_levels_as_file": {
        "en": "Levels as in the scenario file",
        "ru": "Уровни как в файле сценария",
    },
    "app_levels_moved": {"en": "Levels moved", "ru": "Изменённые уровни"},
    "app_file_value": {"en": "file:", "ru": "в файле:"},
    "app_not_started": {
        "en": "Press ▶ or Step to run the quarters",
        "ru": "Нажмите ▶ или Step, чтобы пройти кварталы",
    },
    "app_cancel": {"en": "Cancel", "ru": "Отменить"},
    "app_cancelled": {
        "en": "Estimate cancelled: no runs were kept",
        "ru": "Оценка отменена: прогоны не сохранены",
    },
}

ARMS: dict[str, dict[str, str]] = {
    "de_facto": {"en": "De facto", "ru": "Де-факто"},
    "decree41_full": {"en": "Decree 41", "ru": "ПП 41"},
    "cluster_support_2020s": {"en": "2020s package", "ru": "Пакет 2020-х"},
    "loans_only": {"en": "Loans only", "ru": "Только займы"},
    "tax_relief_only": {"en": "Tax relief only", "ru": "Только налоговые льготы"},
    "placebo": {"en": "Placebo (registry only)", "ru": "Плацебо (только реестр)"},
}

PARAMS: dict[str, dict[str, str]] = {
    "market.demand_growth_per_year": {"en": "demand growth per year", "ru": "рост спроса в год"},
    "joint_project_subsidy.rate": {
        "en": "joint-project subsidy rate",
        "ru": "ставка субсидии на совместные проекты",
    },
    "starter_batch_subsidy.rate": {
        "en": "starter-batch subsidy rate",
        "ru": "ставка субсидии на стартовые партии",
    },
    "preferential_loans.spread": {"en": "loan rate", "ru": "ставка льготного займа"},
    "production.agglomeration_elasticity": {
        "en": "agglomeration elasticity",
        "ru": "эластичность агломерации",
    },
    "market.price_sensitivity": {"en": "price sensitivity", "ru": "ценовая чувствительность"},
    "registry.functional_dependence_default": {
        "en": "FD criterion",
        "ru": "критерий функц. зависимости",
    },
    "membership.peer_weight": {"en": "peer weight", "ru": "вес соседей"},
    "annual_budget_mln_rub": {"en": "budget limit per year", "ru": "лимит бюджета в год"},
    "tax_relief.regional_profit_tax_cut": {
        "en": "regional profit-tax cut",
        "ru": "снижение регионального налога на прибыль",
    },
    "tax_relief.property_tax_cut": {
        "en": "property-tax cut",
        "ru": "снижение налога на имущество",
    },
}

UNITS: dict[str, str] = {
    "mln RUB per quarter": "млн руб. в квартал",
    "mln RUB": "млн руб.",
    "persons": "чел.",
    "mln RUB per worker per year": "млн руб. на работника в год",
    "share": "доля",
    "firms": "предприятий",
    "index (competitors = 1)": "индекс (конкуренты = 1)",
    "share of new orders": "доля новых заказов",
    "flag (0/1)": "признак (0/1)",
    "projects per quarter": "проектов в квартал",
    "per year": "в год",
    "%": "%",
    # units of the preference levels in the shipped scenario files (the page's sliders)
    "share of eligible project costs": "доля затрат проекта, принимаемых к субсидированию",
    "share of purchases of starter batches from other participants":
        "доля закупок стартовых партий у других участников",
    "mln RUB per year for this cluster": "млн руб. в год на кластер",
    "mln RUB of new loans per year for this cluster": "млн руб. новых займов в год на кластер",
    "share of profit (percentage points)": "доля прибыли (процентные пункты)",
    "share of asset value per year (percentage points)":
        "доля стоимости имущества в год (процентные пункты)",
}

# Horizon units: flows are cumulated over the horizon, so "per quarter" drops.
HORIZON_UNITS: dict[str, dict[str, str]] = {
    "mln RUB per quarter": {"en": "mln RUB", "ru": "млн руб."},
    "projects per quarter": {"en": "projects", "ru": "проектов"},
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise ValueError."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str, **kwargs: Any) -> str:
    """The catalogue text of ``key`` in ``lang``, formatted with ``kwargs``."""
    return CATALOGUE[key][check_lang(lang)].format(**kwargs)


def outcome_label(name: str, lang: str) -> str:
    """Label of an outcome of :mod:`sim.model.outcomes`."""
    o = outcome(name)
    return o.label_ru if check_lang(lang) == "ru" else o.label_en


def unit(text: str, lang: str, *, horizon: bool = False) -> str:
    """Translate a unit; ``horizon`` gives the unit of a horizon total (flows cumulated)."""
    if horizon and text in HORIZON_UNITS:
        return HORIZON_UNITS[text][check_lang(lang)]
    if check_lang(lang) == "en":
        return text
    return UNITS.get(text, text)


def regime_titles(sc: Any) -> dict[str, dict[str, str]]:
    """``{regime: {"en": title, "ru": title_ru}}`` of a scenario (the ``titles`` of arm_label)."""
    return {k: {"en": r.title, "ru": r.title_ru or r.title} for k, r in sc.regimes.items()}


def arm_label(arm: str, lang: str, titles: dict[str, dict[str, str]] | None = None) -> str:
    """Short label of an arm: the catalogue, else the scenario's regime title, else the name."""
    if arm in ARMS:
        return ARMS[arm][check_lang(lang)]
    if titles and arm in titles and titles[arm].get(lang):
        return titles[arm][lang]
    return arm


def param_label(key: str, lang: str) -> str:
    """Label of a varied parameter (dotted key); matches on the longest known suffix."""
    for k, labels in sorted(PARAMS.items(), key=lambda kv: -len(kv[0])):
        if key == k or key.endswith("." + k):
            return labels[check_lang(lang)]
    return key.rsplit(".", 1)[-1].replace("_", " ")


def fmt(x: Any, lang: str, decimals: int = 1, *, sign: bool = False) -> str:
    """Format a number: grouping, decimals and minus per language; NaN gives an en dash."""
    if x is None:
        return "–"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "–"
    text = f"{abs(v):,.{decimals}f}"
    if check_lang(lang) == "ru":
        text = text.replace(",", NNBSP).replace(".", ",")
    neg = v < 0 and float(text.replace(NNBSP, "").replace(",", ".") or 0) != 0
    if neg:
        text = MINUS + text
    elif sign:
        text = "+" + text
    return text


def fmt_pct(x: Any, lang: str, decimals: int = 1, *, sign: bool = False) -> str:
    """A percentage: ``12,3 %`` (narrow no-break space) in Russian, ``12.3%`` in English."""
    body = fmt(x, lang, decimals, sign=sign)
    if body == "–":
        return body
    return body + (NNBSP + "%" if lang == "ru" else "%")


def fmt_ci(m: Any, lo: Any, hi: Any, lang: str, decimals: int = 1) -> str:
    """``m [lo; hi]`` (Russian) or ``m [lo, hi]`` (English)."""
    sep = "; " if lang == "ru" else ", "
    head = fmt(m, lang, decimals, sign=True)
    if fmt(lo, lang) == "–" or fmt(hi, lang) == "–":
        return head
    return f"{head} [{fmt(lo, lang, decimals, sign=True)}{sep}{fmt(hi, lang, decimals, sign=True)}]"
