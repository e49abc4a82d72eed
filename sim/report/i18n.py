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

import numpy as np

from sim.analysis.budget import (
    ACCOUNT_LEVELS,
    BUDGET_COLUMNS,
    LEVEL_MEASURES,
    level_column,
)
from sim.model.outcomes import outcome

__all__ = [
    "CATALOGUE",
    "LANGS",
    "MINUS",
    "NNBSP",
    "arm_label",
    "budget_label",
    "budget_unit",
    "check_lang",
    "count",
    "fmt",
    "fmt_ci",
    "fmt_pct",
    "is_flag",
    "outcome_label",
    "param_label",
    "plural",
    "t",
    "unit",
]

LANGS = ("ru", "en")
NNBSP = "\u202f"  # narrow no-break space
MINUS = "\u2212"

CATALOGUE: dict[str, dict[str, str]] = {
    # tables, export and compare
    "tx_point": {"en": "Design point", "ru": "Вариант расчёта"},
    "tx_n": {"en": "Paired replications", "ru": "Парных повторений"},
    "tx_effect_abs": {
        "en": "{outcome}: effect vs de facto, {unit}, {basis}",
        "ru": "{outcome}: эффект к инерционному варианту, {unit}, {basis}",
    },
    "tx_effect_pct": {
        "en": "{outcome}: effect vs de facto, %, {basis}",
        "ru": "{outcome}: эффект к инерционному варианту, %, {basis}",
    },
    "tx_effect_pp": {
        "en": "{outcome}: change vs de facto, percentage points, {basis}",
        "ru": "{outcome}: изменение к инерционному варианту, п. п., {basis}",
    },
    "tx_ci_low": {"en": "{head}; 95 % CI, lower bound", "ru": "{head}; 95 % ДИ, нижняя граница"},
    "tx_ci_high": {"en": "{head}; 95 % CI, upper bound", "ru": "{head}; 95 % ДИ, верхняя граница"},
    "tx_registered": {
        "en": "Runs with the cluster in the register, % (at any time within the horizon)",
        "ru": "Доля расчётов с включением кластера в реестр, % (в любой момент горизонта)",
    },
    "tx_registered_q": {
        "en": "Quarter of entry into the register (median)",
        "ru": "Квартал включения в реестр (медиана)",
    },
    "tx_quarter": {"en": "{year} Q{q}", "ru": "{year} {roman} кв."},
    "tx_over": {"en": "over {years}", "ru": "за {years}"},
    "tx_basis_nominal": {
        "en": "sum over {years}, undiscounted",
        "ru": "сумма за {years}, без дисконтирования",
    },
    "tx_basis_pv": {
        "en": "sum over {years}, present value at {rate}",
        "ru": "сумма за {years}, приведённая стоимость при ставке {rate}",
    },
    "tx_basis_committed": {
        "en": "valued at the horizon's end, present value at {rate}",
        "ru": "оценка на конец горизонта, приведённая стоимость при ставке {rate}",
    },
    "tx_rate_year": {"en": "{rate} a year", "ru": "{rate} годовых"},
    "tx_notes_sheet": {"en": "Notes", "ru": "Пояснения"},
    "tx_notes_item": {"en": "Item", "ru": "Элемент"},
    "tx_notes_text": {"en": "Value or definition", "ru": "Значение или определение"},
    "tx_notes_title": {
        "en": "{table}: calculations with the clustersim model",
        "ru": "{table}: расчёты по модели clustersim",
    },
    "tx_n_scenario": {"en": "Scenario", "ru": "Сценарий"},
    "tx_n_hash": {
        "en": "Scenario hash (SHA-256 of the scenario as run)",
        "ru": "Хеш сценария (SHA-256 сценария в том виде, в каком он рассчитан)",
    },
    "tx_n_sweep": {"en": "Sweep (stored set of runs)", "ru": "Серия расчётов (в базе результатов)"},
    "tx_n_seed": {
        "en": "Root seed of the random numbers",
        "ru": "Начальное значение генератора случайных чисел (seed)",
    },
    "tx_n_replications": {
        "en": "Paired replications per regime and design point",
        "ru": "Парных повторений на режим и вариант расчёта",
    },
    "tx_n_horizon": {"en": "Horizon", "ru": "Горизонт моделирования"},
    "tx_n_horizon_value": {
        "en": "{start} to {end} ({quarters} quarters)",
        "ru": "с {start} по {end} ({quarters} кв.)",
    },
    "tx_n_discount": {"en": "Discount rate", "ru": "Ставка дисконтирования"},
    "tx_n_written": {"en": "Written", "ru": "Дата формирования"},
    "tx_n_version": {"en": "clustersim version", "ru": "Версия clustersim"},
    "tx_n_columns": {"en": "Columns", "ru": "Столбцы"},
    "tx_n_rounding": {"en": "Rounding", "ru": "Округление"},
    "tx_n_rounding_text": {
        "en": (
            "Numbers are rounded for reading: % to 0.1, percentage points to 0.01, money to "
            "0.1 mln RUB, other values to three or four significant digits. The figures come "
            "from a simulation: read them as estimates with the intervals shown."
        ),
        "ru": (
            "Числа округлены: % — до 0,1, п. п. — до 0,01, денежные показатели — до 0,1 млн "
            "руб., прочие — до трёх-четырёх значащих цифр. Показатели получены моделированием "
            "и являются оценками; читать их следует вместе с доверительными интервалами."
        ),
    },
    "tx_n_basis": {"en": "Time basis", "ru": "Временная база показателей"},
    "tx_n_basis_text": {
        "en": (
            "Flows (output, taxes, costs, investment) are summed over the horizon; stocks and "
            "rates (employment, productivity, shares) are the mean of the horizon's last four "
            "quarters; commitments still due are valued at the horizon's end. Every header "
            "says which applies."
        ),
        "ru": (
            "Потоки (выпуск, налоги, расходы, инвестиции) суммируются за горизонт; запасы и "
            "относительные показатели (занятость, производительность, доли) — среднее за "
            "последние четыре квартала горизонта; обязательства к оплате — на конец горизонта. "
            "Временная база указана в заголовке каждого столбца."
        ),
    },
    "tx_d_point": {
        "en": "Number of the design point: one combination of the values of the varied "
        "parameters.",
        "ru": "Номер варианта расчёта — одного сочетания значений варьируемых параметров.",
    },
    "tx_d_param": {
        "en": "Value of a varied parameter at this design point (scenario key {param}).",
        "ru": "Значение варьируемого параметра в этом варианте расчёта (параметр сценария "
        "{param}).",
    },
    "tx_d_arm": {
        "en": "Regime of preferences, compared with the de-facto cluster (the same firms, no "
        "register entry, no preferences).",
        "ru": "Режим преференций; сравнивается с инерционным вариантом (кластер де-факто: "
        "те же предприятия без "
        "включения в реестр и без преференций).",
    },
    "tx_d_n": {
        "en": "Pairs of runs (regime and de facto on the same random numbers) the figures "
        "are averaged over.",
        "ru": "Число пар расчётов (режим и инерционный вариант на одних и тех же случайных "
        "числах), по которым усреднены показатели.",
    },
    "tx_d_abs": {
        "en": "Regime minus de facto, mean over the pairs, in the unit of the header.",
        "ru": "Разность «режим минус инерционный вариант», среднее по парам, в единицах заголовка.",
    },
    "tx_d_pct": {
        "en": "Mean difference in % of the de-facto mean (ratio of means).",
        "ru": "Средняя разность в % к среднему значению инерционного варианта (отношение средних).",
    },
    "tx_d_pp": {
        "en": "Change of the share, in percentage points.",
        "ru": "Изменение доли в процентных пунктах.",
    },
    "tx_d_ci": {
        "en": "Bound of the 95 % confidence interval of the effect named in the header "
        "(Student t for absolute effects, delta method for %).",
        "ru": "Граница 95 % доверительного интервала (ДИ) эффекта, названного в заголовке "
        "(для абсолютного эффекта — по распределению Стьюдента, для % — дельта-методом).",
    },
    "tx_d_registered": {
        "en": "Share of the regime's runs in which the cluster entered the register.",
        "ru": "Доля расчётов режима, в которых кластер включён в реестр.",
    },
    "tx_d_registered_q": {
        "en": "Median calendar quarter of entry into the register, among those runs.",
        "ru": "Медианный календарный квартал включения в реестр среди этих расчётов.",
    },
    "tx_d_budget": {
        "en": "Public-finance accounts, regime minus de facto (see the definitions below).",
        "ru": "Бюджетные показатели, «режим минус инерционный вариант» (определения — ниже).",
    },
    "tx_d_net_first": {
        "en": "The first columns give the net balance of each budget; the full accounts of "
        "each budget follow.",
        "ru": "Первые столбцы — чистое сальдо каждого бюджета; далее — полные показатели "
        "по каждому бюджету.",
    },
    # tidy export (clustersim export --lang)
    "tx_sheet_runs": {"en": "Runs", "ru": "Расчёты"},
    "tx_sheet_outcomes": {"en": "Outcomes by quarter", "ru": "Показатели по кварталам"},
    "tx_x_sweep": {"en": "Sweep", "ru": "Серия расчётов"},
    "tx_x_replicate": {"en": "Replication", "ru": "Повторение"},
    "tx_x_seed": {"en": "Seed", "ru": "Начальное значение генератора (seed)"},
    "tx_x_status": {"en": "Status", "ru": "Статус"},
    "tx_x_error": {"en": "Error", "ru": "Ошибка"},
    "tx_x_wall": {"en": "Run time, s", "ru": "Время расчёта, с"},
    "tx_x_registered": {
        "en": "Quarter of entry into the register",
        "ru": "Квартал включения в реестр",
    },
    "tx_x_version": {"en": "Model version", "ru": "Версия модели"},
    "tx_x_quarter": {"en": "Quarter", "ru": "Квартал"},
    "tx_x_quarter_no": {"en": "Model quarter (1 = first)", "ru": "Номер квартала модели"},
    "tx_x_outcome": {"en": "Outcome", "ru": "Показатель"},
    "tx_x_value": {"en": "Value", "ru": "Значение"},
    "tx_x_unit": {"en": "Unit", "ru": "Единица измерения"},
    "tx_x_completed": {"en": "completed", "ru": "выполнен"},
    "tx_x_failed": {"en": "failed", "ru": "завершился ошибкой"},
    "tx_xd_replicate": {
        "en": "Number of the paired replication; the same number means the same random numbers "
        "in every regime.",
        "ru": "Номер парного повторения; один номер — одни и те же случайные числа во всех "
        "режимах.",
    },
    "tx_xd_seed": {
        "en": "Seed of the run's random numbers, stored as text (up to 19 digits).",
        "ru": "Начальное значение генератора случайных чисел расчёта; записано как текст "
        "(до 19 цифр).",
    },
    "tx_xd_quarter": {
        "en": "Calendar quarter, from the scenario's start year {year}.",
        "ru": "Календарный квартал; отсчёт от начального года сценария ({year}).",
    },
    "tx_xd_value": {
        "en": "Value of the outcome in that quarter, in its unit (flows per quarter).",
        "ru": "Значение показателя в этом квартале в указанных единицах (потоки — за квартал).",
    },
    # chart titles
    "fan_title": {
        "en": "{outcome}: de facto vs {arm}",
        "ru": "{outcome}: инерционный вариант и {arm}",
    },
    "regime_title": {
        "en": "Effect of each regime vs the de-facto cluster",
        "ru": "Эффект режимов преференций относительно инерционного варианта",
    },
    "dose_title": {
        "en": "{outcome}: effect by {param}",
        "ru": "{outcome}: эффект в зависимости от параметра «{param}»",
    },
    "budget_title": {
        "en": "Net balance of the public budgets, by level",
        "ru": "Чистое сальдо бюджетов по уровням",
    },
    "tornado_title": {
        "en": "Sensitivity of the {arm} effect on {outcome}",
        "ru": "{outcome}: чувствительность эффекта режима «{arm}»",
    },
    "sobol_title": {
        "en": "Sobol indices of the {arm} effect on {outcome}",
        "ru": "{outcome}: индексы Соболя эффекта режима «{arm}»",
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
    "effect_pct": {"en": "Effect vs de facto, %", "ru": "Эффект к инерционному варианту, %"},
    "effect_pct_short": {"en": "Effect, %", "ru": "Эффект, %"},
    "effect_abs": {"en": "Effect, {unit}", "ru": "Эффект, {unit}"},
    "mln_rub": {"en": "mln RUB", "ru": "млн руб."},
    "budget_net_axis": {
        "en": "Net balance (present value), mln RUB",
        "ru": "Чистое сальдо (приведённая стоимость), млн руб.",
    },
    "budget_note": {
        "en": "Extra tax revenue − cash cost over the horizon, discounted at {rate} a year",
        "ru": (
            "Доп. налоговые доходы − кассовые расходы за горизонт, ставка дисконтирования "
            "{rate} годовых"
        ),
    },
    "firms": {"en": "Firms", "ru": "Предприятия"},
    "share": {"en": "Share", "ru": "Доля"},
    "mu_star": {"en": "Morris μ*, {unit}", "ru": "Моррис μ*, {unit}"},
    # --- chart style (issue 19)
    "year": {"en": "Year", "ru": "Год"},
    "registration_at": {
        "en": "median registration: {year} Q{q}",
        "ru": "медиана регистрации: {q} кв. {year}",
    },
    "basis_sum": {"en": "cumulative over {years}", "ru": "накопленно за {years}"},
    "basis_sum_horizon": {"en": "cumulative over the horizon", "ru": "накопленно за горизонт"},
    "basis_last_year": {"en": "mean of the last year", "ru": "среднее за последний год"},
    "basis_end": {"en": "at the end of the horizon", "ru": "на конец горизонта"},
    "effect_pp": {
        "en": "Change of the share vs de facto, pp",
        "ru": "Изменение доли к инерционному варианту, п. п.",
    },
    "fan_basis": {
        "en": "median and bands over replications, per quarter",
        "ru": "медиана и интервалы по повторениям, поквартально",
    },
    "median_of": {"en": "{arm}, median", "ru": "{arm}, медиана"},
    "band50_of": {"en": "{arm}, 50 % band", "ru": "{arm}, 50 % интервал"},
    "band90_of": {"en": "{arm}, 90 % band", "ru": "{arm}, 90 % интервал"},
    "budget_net_axis_sign": {
        "en": "Net balance (present value), mln RUB; below 0: net cost to the budget",
        "ru": "Чистое сальдо (приведённая стоимость), млн руб.; меньше 0 — чистые расходы бюджета",
    },
    "timeline_basis": {
        "en": "medians over replications, per quarter",
        "ru": "медианы по повторениям, поквартально",
    },
    "n_replications": {"en": "replication|replications", "ru": "повторение|повторения|повторений"},
    "n_years": {"en": "year|years", "ru": "год|года|лет"},
    "network_title_at": {
        "en": "Supply network, {arm}, {year} Q{q}",
        "ru": "Сеть поставок, {arm}, {q} кв. {year}",
    },
    "cdf_x": {
        "en": "Effect on {outcome}, % of the de-facto arm",
        "ru": "Эффект: {outcome}, % к инерционному варианту",
    },
    "cdf_y": {
        "en": "Share of worlds with a smaller effect",
        "ru": "Доля сценариев мира с меньшим эффектом",
    },
    "cdf_title": {
        "en": "Effect on {outcome} across {worlds} worlds of the uncertainty set (cumulative)",
        "ru": "Эффект: {outcome} — распределение по {worlds} сценариям мира (накопленная доля)",
    },
    "h_uncertainty": {"en": "Uncertainty set", "ru": "Неопределённые параметры"},
    "uncertainty_note": {
        "en": (
            "Every world parameter the scenario leaves unsourced has a range (drawn in the worlds) "
            "or is held fixed with a reason. Worlds are Latin-hypercube draws of the ranges."
        ),
        "ru": (
            "Каждый параметр мира без источника в сценарии имеет диапазон (из него строятся "
            "сценарии мира) или зафиксирован с объяснением причины. Сценарии мира — выборка "
            "латинского гиперкуба по диапазонам."
        ),
    },
    "h_worlds": {"en": "Effects across worlds", "ru": "Эффекты по сценариям мира"},
    "worlds_note": {
        "en": (
            "Median [5th–95th percentile] across {worlds} worlds; >0: share of worlds with a "
            "positive effect; net balance in mln RUB, present value; regret: shortfall from the "
            "best regime in the same world, pp (median / 90th percentile)."
        ),
        "ru": (
            "Медиана [5-й–95-й процентиль] по {worlds} сценариям мира; >0 — доля сценариев с "
            "положительным эффектом; чистый баланс в млн руб., приведённая стоимость; сожаление — "
            "отставание от лучшего режима в том же сценарии, п. п. (медиана / 90-й процентиль)."
        ),
    },
    "col_range": {"en": "range", "ru": "диапазон"},
    "col_reason": {"en": "source or reason", "ru": "источник или причина"},
    # --- document brief (issue 19)
    "doc_h_summary": {"en": "Summary", "ru": "Резюме"},
    "doc_h_results": {"en": "Results", "ru": "Результаты"},
    "doc_h_criteria": {
        "en": "Registry criteria (Decree 779)",
        "ru": "Критерии включения в реестр (постановление Правительства РФ № 779)",
    },
    "doc_h_assumptions": {
        "en": "Assumptions and uncertainties",
        "ru": "Допущения и неопределённости",
    },
    "doc_h_limitations": {"en": "Limitations", "ru": "Ограничения"},
    "doc_h_cite": {"en": "How to cite", "ru": "Как ссылаться"},
    "doc_calendar_q": {"en": "Q{q} {year}", "ru": "{q}-й кв. {year} г."},
    "doc_summary_intro": {
        "en": (
            "The model compares {regimes} with the de-facto cluster (no registration, no "
            "preferences) on {reps} paired replications over {quarters} quarters "
            "({start}–{end})."
        ),
        "ru": (
            "Модель сравнивает режимы «{regimes}» с инерционным вариантом (кластер де-факто "
            "без включения в реестр и "
            "преференций) на {reps} парных повторениях за {quarters} кв. ({start}–{end} гг.)."
        ),
    },
    "doc_summary_point": {
        "en": "Key results (effect over the horizon against de facto, 95 % confidence interval)",
        "ru": "Основные результаты (эффект за горизонт к инерционному варианту, 95 % доверительный "
        "интервал)",
    },
    "doc_at_base": {
        "en": " at the base point ({point})",
        "ru": " в базовом варианте расчёта ({point})",
    },
    "doc_summary_worlds": {
        "en": (
            "The uncertain world parameters were drawn {worlds} times (scenarios of the world). "
            "Key results across them (median, and the range within which 9 of 10 scenarios fall):"
        ),
        "ru": (
            "Неопределённые параметры мира взяты в {worlds} сочетаниях (сценариях мира). "
            "Основные результаты по ним (медиана и диапазон, в который попадают 9 из 10 "
            "сценариев):"
        ),
    },
    "doc_worlds_n": {"en": "{worlds} worlds", "ru": "{worlds} сценариев мира"},
    "doc_effect_point": {"en": "{outcome} {absolute} ({pct} %)", "ru": "{outcome} {absolute} "
                         "({pct} %)"},
    "doc_effect_worlds": {
        "en": (
            "in {n} of 10 scenarios of the world the effect on {outcome} is positive (median "
            "{median}, {absolute}; 90 % of scenarios between {low} and {high})"
        ),
        "ru": (
            "в {n} из 10 сценариев мира эффект на показатель «{outcome}» положителен (медиана "
            "{median}, {absolute}; в 90 % сценариев — от {low} до {high})"
        ),
    },
    "doc_registered": {
        "en": "registered in {share} of runs, median {when} (quarter {q})",
        "ru": "регистрация в {share} прогонов, медиана — {when} (квартал {q})",
    },
    "doc_registered_worlds": {
        "en": "registered in {share} of runs, median {when}",
        "ru": "регистрация в {share} прогонов, медиана — {when}",
    },
    "doc_not_registered": {
        "en": "the cluster is not registered within the horizon",
        "ru": "кластер не включён в реестр в пределах горизонта",
    },
    "doc_budget": {
        "en": "cost and net balance (present value, mln RUB):",
        "ru": "стоимость преференций и чистое сальдо (приведённая стоимость, млн руб.):",
    },
    "doc_budget_level": {
        "en": "{level}: cost {cost}, net {net}",
        "ru": "{level}: стоимость {cost}, сальдо {net}",
    },
    "doc_effect_point_zero": {
        "en": "no effect on {outcome} (exactly zero in every pair)",
        "ru": "эффекта на показатель «{outcome}» нет (ровно ноль в каждой паре)",
    },
    "doc_budget_level_zero": {
        "en": "{level}: no cost and no change in revenue",
        "ru": "{level}: ни расходов, ни изменения доходов",
    },
    "doc_effect_worlds_zero": {
        "en": "no effect on {outcome} in any scenario of the world",
        "ru": "эффекта на показатель «{outcome}» нет ни в одном сценарии мира",
    },
    "doc_net_worlds_zero": {
        "en": "{level}: no cost and no net balance in any scenario",
        "ru": "{level}: ни расходов, ни сальдо ни в одном сценарии",
    },
    "doc_net_worlds": {
        "en": "{level}: cost {cost} (median), net {median} (90 %: {low} to {high}), positive "
        "in {n} of 10",
        "ru": "{level}: стоимость {cost} (медиана), сальдо {median} (90 %: от {low} до {high}), "
        "положительно в {n} из 10",
    },
    "doc_summary_units": {
        "en": (
            "Flows are summed over the horizon, stocks are the mean of the last year; % is "
            "relative to the de-facto cluster. Cost = cash cost + tax expenditure; net balance "
            "= extra tax revenue − cash cost. Tables and figures below give the details."
        ),
        "ru": (
            "Потоки — сумма за горизонт, запасы — среднее за последний год; % — относительно "
            "инерционного варианта. Стоимость = кассовые + налоговые расходы; сальдо = доп. "
            "налоговые доходы − кассовые расходы. Подробности — в таблицах и рисунках ниже."
        ),
    },
    "doc_no_table": {
        "en": "No regime could be compared with de facto in this sweep.",
        "ru": "В этой серии нет режима, который можно сравнить с инерционным вариантом.",
    },
    "design_method_none": {"en": "one parameter set", "ru": "один набор параметров"},
    "design_method_grid": {
        "en": "every combination of the listed values (grid)",
        "ru": "все сочетания заданных значений (сетка)",
    },
    "design_method_lhs": {
        "en": "worlds drawn by Latin hypercube",
        "ru": "сценарии мира, выбранные латинским гиперкубом",
    },
    "design_method_sobol": {
        "en": "Sobol design (Saltelli sampling)",
        "ru": "план Соболя (выборка Сальтелли)",
    },
    "design_method_morris": {
        "en": "Morris trajectories (elementary effects)",
        "ru": "траектории Морриса (элементарные эффекты)",
    },
    "doc_design": {
        "en": "Sweep {sweep}: {method}, {points} design point(s).",
        "ru": "Серия {sweep}: {method}, вариантов расчёта: {points}.",
    },
    "doc_t_absolute": {
        "en": "Effects over the horizon against de facto, absolute",
        "ru": "Эффекты за горизонт к инерционному варианту, в абсолютном выражении",
    },
    "doc_absolute_note": {
        "en": "Regime minus de facto per pair; mean [95 % confidence interval].",
        "ru": "Режим минус инерционный вариант в паре; среднее [95 % доверительный интервал].",
    },
    "doc_t_regimes": {
        "en": "(effects in % of de facto [95 % CI])",
        "ru": "(эффекты в % к инерционному варианту [95 % ДИ])",
    },
    "doc_table": {"en": "Table {n} – {caption}", "ru": "Таблица {n} – {caption}"},
    "doc_figure": {"en": "Figure {n} – {title}", "ru": "Рисунок {n} – {title}"},
    "doc_source": {
        "en": (
            "Source: calculations with the clustersim model {version}, scenario {scenario} "
            "({hash}), sweep {sweep}, N = {n} paired replications."
        ),
        "ru": (
            "Источник: расчёты по модели clustersim {version}, сценарий {scenario} ({hash}), "
            "серия {sweep}, число парных повторений N = {n}."
        ),
    },
    "doc_criteria_intro": {
        "en": (
            "The criteria of the register of industrial clusters as the model applies them; the "
            "threshold of functional dependence is also an uncertainty (see below)."
        ),
        "ru": (
            "Критерии реестра промышленных кластеров в том виде, в каком их применяет модель; "
            "порог функциональной зависимости — также неопределённый параметр (см. ниже)."
        ),
    },
    "doc_t_criteria": {"en": "Decree 779 criteria", "ru": "Критерии постановления № 779"},
    "doc_col_criterion": {"en": "Criterion", "ru": "Критерий"},
    "doc_col_threshold": {"en": "Threshold", "ru": "Пороговое значение"},
    "doc_col_legal": {"en": "Legal reference", "ru": "Правовое основание"},
    "doc_col_when": {"en": "When it is met (model)", "ru": "Когда выполнен (в модели)"},
    "doc_required": {"en": "required", "ru": "обязательна"},
    "doc_not_required": {"en": "not required", "ru": "не требуется"},
    "doc_crit_min_participants": {
        "en": "Industrial participants, at least",
        "ru": "Промышленных участников, не менее",
    },
    "doc_crit_min_participants_when": {
        "en": "participants on the filing roster (a contract with another participant in the "
        "last {memory} quarters) reach the threshold",
        "ru": "число участников в заявке (с договором с другим участником за последние "
        "{memory} кв.) не ниже порога",
    },
    "doc_crit_fd_default": {
        "en": "Functional dependence (purchases from other participants), at least",
        "ru": "Функциональная зависимость (закупки у других участников), не менее",
    },
    "doc_crit_fd_default_when": {
        "en": "roster yards' purchases from participant suppliers ÷ their total purchases "
        "reach the threshold",
        "ru": "закупки верфей из заявки у участников-поставщиков ÷ все их закупки не ниже порога",
    },
    "doc_crit_fd_reduced": {
        "en": "Reduced functional dependence, at least",
        "ru": "Пониженный порог функциональной зависимости, не менее",
    },
    "doc_crit_fd_reduced_when": {
        "en": "applies instead when enough participants are in special territories",
        "ru": "применяется вместо основного, если достаточно участников на особых территориях",
    },
    "doc_crit_special_territory": {
        "en": "Share of participants in special territories for the reduced threshold",
        "ru": "Доля участников на особых территориях для пониженного порога",
    },
    "doc_crit_special_territory_when": {
        "en": "share of roster participants located in special territories",
        "ru": "доля участников заявки, расположенных на особых территориях",
    },
    "doc_crit_non_producing": {
        "en": "Participants not yet producing, at most",
        "ru": "Участников, ещё не выпускающих продукцию, не более",
    },
    "doc_crit_non_producing_when": {
        "en": "rarely binds: entrants cannot be on the roster before they produce",
        "ru": "практически не ограничивает: новые предприятия не попадают в заявку до начала "
        "выпуска",
    },
    "doc_crit_contracts": {
        "en": "Contracts of each participant with another participant, at least",
        "ru": "Договоров каждого участника с другим участником, не менее",
    },
    "doc_crit_contracts_when": {
        "en": "holds by construction: the roster holds only participants with a contract in the "
        "last {memory} quarters",
        "ru": "выполняется по построению: в заявку входят только участники с договором за "
        "последние {memory} кв.",
    },
    "doc_crit_organisation": {
        "en": "Specialised organisation of the cluster",
        "ru": "Специализированная организация промышленного кластера",
    },
    "doc_crit_organisation_when": {
        "en": "the scenario's cluster has one",
        "ru": "в сценарии она создана",
    },
    "doc_crit_lag": {
        "en": "Review of the application, quarters",
        "ru": "Рассмотрение заявки, кварталов",
    },
    "doc_crit_lag_when": {
        "en": "registration follows the filing after this lag if the criteria still hold",
        "ru": "включение в реестр — через этот срок после подачи, если критерии выполнены",
    },
    "doc_crit_validity": {
        "en": "Validity of registration, years",
        "ru": "Срок действия решения о включении, лет",
    },
    "doc_crit_validity_when": {
        "en": "then the cluster must confirm the criteria again",
        "ru": "затем кластер подтверждает соответствие критериям заново",
    },
    "doc_confirm": {"en": "confirm before quoting", "ru": "подтвердить перед цитированием"},
    "doc_confirm_note": {
        "en": "{n} sources are only recalled [R]: confirm them before quoting.",
        "ru": "Источников, известных только по памяти [R]: {n}; подтвердите их перед "
        "цитированием.",
    },
    "doc_labels_intro": {
        "en": "Every value of the scenario carries its source and an evidence label:",
        "ru": "Каждое значение сценария указано с источником и меткой надёжности "
        "(библиографические ссылки — на языке оригинала):",
    },
    "doc_label_V": {
        "en": "[V] verified: the value was read in the cited source;",
        "ru": "[V] проверено: значение прочитано в указанном источнике;",
    },
    "doc_label_V_abs": {
        "en": "[V-abs] verified from the abstract or a summary of the source only;",
        "ru": "[V-abs] проверено только по аннотации или пересказу источника;",
    },
    "doc_label_R": {
        "en": "[R] recalled, not read in a source: confirm before quoting;",
        "ru": "[R] известно по памяти, в источнике не прочитано — подтвердить перед "
        "цитированием;",
    },
    "doc_label_D": {
        "en": "[D] derived by arithmetic from verified [V] numbers;",
        "ru": "[D] выведено арифметически из проверенных [V] чисел;",
    },
    "doc_label_assumption": {
        "en": "assumption: a modelling choice without a source (varied where it matters).",
        "ru": "допущение: модельное решение без источника (варьируется, где это "
        "важно).",
    },
    "doc_limit_1": {
        "en": "Functional dependence is a proxy (yards' purchases from participants); the legal "
        "formula was not read [R].",
        "ru": "Функциональная зависимость — приближение (закупки верфей у участников); "
        "правовая формула не прочитана [R].",
    },
    "doc_limit_2": {
        "en": "The import-component cap, infrastructure requirements and the development "
        "programme of the cluster are not modelled.",
        "ru": "Ограничение доли импортных комплектующих, требования к инфраструктуре и "
        "программа развития кластера не моделируются.",
    },
    "doc_limit_3": {
        "en": "Contracts arise only from component purchases between participants; joint "
        "projects and services create none.",
        "ru": "Договоры возникают только из закупок комплектующих между участниками; "
        "совместные проекты и услуги их не создают.",
    },
    "doc_limit_4": {
        "en": "The regional input-output table shipped is illustrative: indirect and induced "
        "effects show the method, not the region's economy.",
        "ru": "Поставляемая региональная таблица «затраты — выпуск» иллюстративная: косвенные "
        "и индуцированные эффекты показывают метод, а не экономику региона.",
    },
    "doc_limit_5": {
        "en": "Intervals reflect the randomness of the runs; the uncertainty of the world "
        "parameters is shown only across drawn worlds.",
        "ru": "Интервалы отражают случайность прогонов; неопределённость параметров мира "
        "видна только по сценариям мира.",
    },
    "doc_limit_6": {
        "en": "Firms are stylised groups calibrated to the region, not named enterprises.",
        "ru": "Предприятия — обобщённые группы, откалиброванные по региону, а не конкретные "
        "организации.",
    },
    "doc_limit_more": {
        "en": "All known simplifications: docs/model.md, section 9.",
        "ru": "Полный перечень упрощений: docs/model.md, раздел 9.",
    },
    "doc_cite": {
        "en": (
            "{title}. Calculations with the clustersim model, version {version}; scenario "
            "{scenario} (hash {hash}), sweep {sweep}, root seed {seed}; {date}."
        ),
        "ru": (
            "{title}. Расчёты по модели clustersim, версия {version}; сценарий {scenario} "
            "(хэш {hash}), серия {sweep}, корневое зерно {seed}; {date}."
        ),
    },
    "doc_cite_version": {"en": "Model version", "ru": "Версия модели"},
    "doc_cite_scenario": {"en": "Scenario", "ru": "Сценарий"},
    "doc_cite_hash": {"en": "Scenario hash", "ru": "Хэш сценария"},
    "doc_cite_seed": {"en": "Root seed", "ru": "Корневое зерно"},
    "doc_cite_date": {"en": "Date", "ru": "Дата"},
    # units of the scenario values shown in the brief's assumptions ("doc_unit:" + unit)
    "doc_unit:industrial participants": {
        "en": "industrial participants",
        "ru": "промышленных участников",
    },
    "doc_unit:share of participants' purchases bought from other participants": {
        "en": "share of participants' purchases bought from other participants",
        "ru": "доля закупок участников у других участников",
    },
    "doc_unit:share of participants in special territories": {
        "en": "share of participants in special territories",
        "ru": "доля участников на особых территориях",
    },
    "doc_unit:contracts with another participant": {
        "en": "contracts with another participant",
        "ru": "договоров с другим участником",
    },
    "doc_unit:quarters": {
        "en": "quarters",
        "ru": "кварталов",
    },
    "doc_unit:years": {
        "en": "years",
        "ru": "лет",
    },
    "doc_unit:x CBR key rate": {
        "en": "x CBR key rate",
        "ru": "× ключевая ставка ЦБ",
    },
    "doc_unit:mln RUB per loan": {
        "en": "mln RUB per loan",
        "ru": "млн руб. на заём",
    },
    "doc_unit:mln RUB of project budget": {
        "en": "mln RUB of project budget",
        "ru": "млн руб. бюджета проекта",
    },
    "doc_unit:share of the project budget": {
        "en": "share of the project budget",
        "ru": "доля бюджета проекта",
    },
    "doc_unit:mln RUB of new loans per year to this cluster's firms": {
        "en": "mln RUB of new loans per year to this cluster's firms",
        "ru": "млн руб. новых займов в год предприятиям кластера",
    },
    "doc_unit:share of the interest subsidy borne by the federal budget": {
        "en": "share of the interest subsidy borne by the federal budget",
        "ru": "доля возмещения процентов из федерального бюджета",
    },
    "doc_unit:share of profit": {
        "en": "share of profit",
        "ru": "доля прибыли",
    },
    "doc_unit:share of asset value per year": {
        "en": "share of asset value per year",
        "ru": "доля стоимости имущества в год",
    },
    "doc_unit:share of wages, regional budget": {
        "en": "share of wages, regional budget",
        "ru": "доля фонда оплаты труда, региональный бюджет",
    },
    "doc_unit:share of wages, federal budget": {
        "en": "share of wages, federal budget",
        "ru": "доля фонда оплаты труда, федеральный бюджет",
    },
    "doc_unit:share of wages, Social Fund": {
        "en": "share of wages, Social Fund",
        "ru": "доля фонда оплаты труда, Социальный фонд",
    },
    "doc_unit:share of wages above 1.5 MROT, Social Fund": {
        "en": "share of wages above 1.5 MROT, Social Fund",
        "ru": "доля оплаты труда сверх 1,5 МРОТ, Социальный фонд",
    },
    "doc_unit:share of value added (sales less purchases)": {
        "en": "share of value added (sales less purchases)",
        "ru": "доля добавленной стоимости (выручка за вычетом закупок)",
    },
    "doc_unit:share of VAT collected that the budget keeps (not credited downstream)": {
        "en": "share of VAT collected that the budget keeps (not credited downstream)",
        "ru": "доля собранного НДС, остающаяся в бюджете (не принятая к вычету)",
    },
    "doc_unit:elasticity of productivity to cluster employment": {
        "en": "elasticity of productivity to cluster employment",
        "ru": "эластичность производительности по занятости в кластере",
    },
    "doc_unit:mln RUB per project": {
        "en": "mln RUB per project",
        "ru": "млн руб. на проект",
    },
    "doc_unit:mln RUB per applicant": {
        "en": "mln RUB per applicant",
        "ru": "млн руб. на заявителя",
    },
    "doc_unit:quarters after a supplier's first sale to the cluster": {
        "en": "quarters after a supplier's first sale to the cluster",
        "ru": "кварталов после первой поставки в кластер",
    },
    "fixed": {"en": "fixed", "ru": "зафиксирован"},
    "col_registered": {"en": "registered, median quarter", "ru": "регистрация, медианный квартал"},
    "col_regret": {"en": "regret, pp", "ru": "сожаление, п. п."},
    "sobol_index": {"en": "Sobol index", "ru": "Индекс Соболя"},
    # legend entries
    "median": {"en": "median", "ru": "медиана"},
    "band50": {"en": "50 % band", "ru": "50 % интервал"},
    "band90": {"en": "90 % band", "ru": "90 % интервал"},
    "registration": {"en": "registration (median)", "ru": "регистрация (медиана)"},
    "ci95": {"en": "95 % CI", "ru": "95 % ДИ"},
    "federal": {"en": "federal budget", "ru": "федеральный бюджет"},
    "regional": {"en": "regional budget", "ru": "региональный бюджет"},
    "social_fund": {"en": "Social Fund", "ru": "Социальный фонд"},
    "total": {"en": "all budgets", "ru": "все бюджеты"},
    "federal_net_view": {
        "en": "federal net view (after displacement)",
        "ru": "федеральный уровень за вычетом вытеснения",
    },
    "S1": {"en": "first order S1", "ru": "первого порядка S1"},
    "ST": {"en": "total ST", "ru": "полный ST"},
    "large": {"en": "large enterprise", "ru": "крупное предприятие"},
    "sme": {"en": "SME", "ru": "МСП"},
    "participant": {"en": "participant", "ru": "участник"},
    "outsider": {"en": "outsider", "ru": "не участник"},
    "threshold": {"en": "registry threshold", "ru": "порог реестра"},
    "fd_default": {"en": "FD criterion {v}", "ru": "критерий функциональной зависимости {v}"},
    "fd_reduced": {
        "en": "reduced FD criterion {v}",
        "ru": "пониженный критерий функциональной зависимости {v}",
    },
    "min_participants": {
        "en": "min. industrial participants {v}",
        "ru": "мин. промышленных участников {v}",
    },
    "edge_width": {"en": "edge width ∝ purchases", "ru": "толщина связи ∝ закупки"},
    # source line
    "source": {
        "en": "clustersim {version}, scenario {scenario} {hash}, N = {n}",
        "ru": "clustersim {version}, сценарий {scenario} {hash}, N = {n}",
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
            "confidence intervals over pairs. Budget accounts are per level (federal budget, "
            "regional budget, Social Fund): the net balance is the present value (discount rate "
            "{rate} per year) of extra tax revenue at the rates actually paid minus the cash cost "
            "of the preferences; a tax relief lowers revenue and is counted once, never again as "
            "a cost. Budget efficiency (extra revenue at standard rates over preference cost) is "
            "shown only where the level bears a cost. Paired bootstrap 95 % intervals."
        ),
        "ru": (
            "Каждый режим сравнивается с инерционным вариантом (кластер де-факто без включения "
            "в реестр и преференций) на парных прогонах: "
            "повторение r использует одно и то же случайное зерно во всех вариантах (общие "
            "случайные числа). {reps} парных повторений на вариант расчёта, горизонт {quarters} "
            "кварталов. Эффект — разность «режим минус инерционный вариант» в паре: сумма за "
            "горизонт для "
            "потоков, среднее за последние четыре квартала для запасов; средние с двусторонними "
            "95 % доверительными интервалами Стьюдента по парам. Бюджетные счета — по уровням "
            "(федеральный бюджет, региональный бюджет, Социальный фонд): чистое сальдо — "
            "приведённая стоимость (ставка дисконтирования {rate} годовых) дополнительных "
            "налоговых "
            "доходов по фактически уплаченным ставкам за вычетом кассовых расходов на "
            "преференции; налоговая льгота снижает доходы и учитывается один раз, а не ещё раз "
            "как расход. Бюджетная эффективность (доп. доходы по стандартным ставкам к стоимости "
            "преференций) приводится только там, где бюджет несёт расходы. 95 % интервалы — "
            "парный бутстреп."
        ),
    },
    "col_key": {"en": "Parameter", "ru": "Параметр"},
    "col_value": {"en": "Value", "ru": "Значение"},
    "col_unit": {"en": "Unit", "ru": "Единица"},
    "col_source": {"en": "Source", "ru": "Источник"},
    "col_point": {"en": "Design point", "ru": "Вариант расчёта"},
    "col_arm": {"en": "Regime", "ru": "Режим"},
    "col_n": {"en": "Paired replications", "ru": "Парных повторений"},
    "col_output_per_rouble": {"en": "Extra output per rouble", "ru": "Доп. выпуск на рубль"},
    # public-finance accounts (sim.analysis.budget): "{measure}, {level}" -- budget_label()
    "no_cost": {"en": "no cost to this budget", "ru": "без расходов этого бюджета"},
    "h_accounts": {"en": "Public-finance accounts", "ru": "Бюджетные счета"},
    "acc_extra_revenue": {"en": "extra revenue", "ru": "доп. доходы"},
    "acc_tax_expenditure": {"en": "tax expenditure", "ru": "налоговые расходы"},
    "acc_cash_cost": {"en": "cash cost", "ru": "кассовые расходы"},
    "acc_net": {"en": "net balance [95 % CI]", "ru": "чистое сальдо [95 % ДИ]"},
    "acc_committed": {"en": "committed, due after", "ru": "обязательства после горизонта"},
    "acc_net_committed": {"en": "net incl. committed", "ru": "сальдо с обязательствами"},
    "acc_be": {"en": "budget efficiency", "ru": "бюджетная эффективность"},
    "acc_cash_nominal": {
        "en": "cash cost, undiscounted",
        "ru": "кассовые расходы без дисконтирования",
    },
    "add_output": {"en": "extra output, gross / net", "ru": "доп. выпуск, валовой / чистый"},
    "add_deadweight": {"en": "deadweight", "ru": "«мёртвый груз»"},
    "add_leakage": {"en": "leakage", "ru": "утечка"},
    "add_displacement": {"en": "displacement", "ru": "вытеснение"},
    "add_displaced_orders": {"en": "orders displaced", "ru": "вытесненные заказы"},
    "add_displaced_taxes": {
        "en": "displaced fed.+SF taxes",
        "ru": "вытесненные фед. налоги и взносы",
    },
    "add_federal_net": {
        "en": "federal net view [95 % CI]",
        "ru": "федеральное сальдо за вычетом вытеснения [95 % ДИ]",
    },
    "h_additionality": {"en": "Additionality", "ru": "Дополнительность"},
    "add_purchases_outside": {"en": "extra purchases outside", "ru": "доп. закупки вне региона"},
    "add_purchases_local": {"en": "extra local purchases", "ru": "доп. местные закупки"},
    "h_io": {
        "en": "Indirect and induced effects in the region (input-output)",
        "ru": "Косвенные и индуцированные эффекты в регионе (межотраслевой баланс)",
    },
    "io_note": {
        "en": (
            "Of the extra purchases from producers that are not cluster firms, the part bought "
            "in the region (first round), and its supply-chain (indirect, Type I) and "
            "household-spending (induced, Type II) rounds, by the regional input-output model "
            "(FLQ). "
            "Output and value added in mln RUB over the horizon, undiscounted; jobs in the last "
            "year. The shipped input-output table is ILLUSTRATIVE (docs/io_tables.md): these "
            "figures show the method, not the region's economy, until Rosstat's table is used."
        ),
        "ru": (
            "Из доп. закупок у производителей, не входящих в кластер, — часть, купленная в "
            "регионе (первый круг), и её косвенный (цепочки поставок, тип I) и "
            "индуцированный (расходы домохозяйств, тип II) эффекты по региональной модели "
            "межотраслевого баланса (метод FLQ). Выпуск и добавленная стоимость — млн руб. за "
            "горизонт без дисконтирования; рабочие места — в последний год. Поставляемая "
            "таблица «затраты — выпуск» ИЛЛЮСТРАТИВНАЯ (docs/io_tables.md): цифры показывают "
            "метод, а не экономику региона, пока не подставлена таблица Росстата."
        ),
    },
    "io_first_round": {"en": "first-round output", "ru": "выпуск, первый круг"},
    "io_indirect_output": {"en": "indirect output", "ru": "косвенный выпуск"},
    "io_induced_output": {"en": "induced output", "ru": "индуцированный выпуск"},
    "io_value_added": {"en": "value added, all rounds", "ru": "добавленная стоимость, всего"},
    "io_jobs": {
        "en": "jobs: first / indirect / induced",
        "ru": "рабочие места: первый круг / косвенные / индуцированные",
    },
    "col_level": {"en": "Budget", "ru": "Бюджет"},
    "accounts_note": {
        "en": (
            "Regime minus the de-facto arm, mln RUB over the horizon of {quarters} quarters "
            "({years}); present values (PV) at {rate} a year, quarter 1 undiscounted. "
            "Net balance = PV of extra tax revenue (at the rates actually paid) − PV of cash "
            "cost (subsidies, interest subsidies paid out), 95 % paired-bootstrap interval. Tax "
            "expenditure = a relief's revenue forgone at standard rates: already inside the "
            "revenue change, so not subtracted again. Committed = PV of cost committed inside "
            "the horizon and falling due after it (interest subsidy on outstanding loans, grant "
            "instalments, relief still promised). Budget efficiency = (extra revenue + tax "
            "expenditure) ÷ (cash cost + tax expenditure), shown only where the budget bears a "
            "cost; \"no cost to this budget\": it pays nothing and its net balance is its gain. "
            "All budgets = federal + regional + Social Fund."
        ),
        "ru": (
            "Режим минус инерционный вариант, млн руб. за горизонт {quarters} кв. ({years}); "
            "приведённая стоимость (ПС) при ставке дисконтирования {rate} годовых, 1-й квартал "
            "без дисконтирования. Чистое сальдо = ПС доп. налоговых доходов (по фактически "
            "уплаченным ставкам) − ПС кассовых расходов (выплаченные субсидии и возмещение "
            "процентов), 95 % интервал — парный бутстреп. Налоговые расходы — выпадающие "
            "доходы от льгот по стандартным ставкам: они уже учтены в изменении доходов и "
            "повторно не вычитаются. Обязательства — ПС расходов, принятых в пределах горизонта "
            "и подлежащих оплате после него (возмещение процентов по непогашенным кредитам, "
            "транши грантов, обещанные льготы). Бюджетная эффективность = (доп. доходы + "
            "налоговые расходы) ÷ (кассовые расходы + налоговые расходы) — только там, где "
            "бюджет несёт расходы; «без расходов этого бюджета» — бюджет ничего не платит, и "
            "его чистое сальдо — это выигрыш. Все бюджеты = федеральный + региональный + "
            "Социальный фонд."
        ),
    },
    "additionality_note": {
        "en": (
            "Shares in %, money in mln RUB over the horizon. Extra output gross / net: net "
            "leaves out the cluster firms' sales to each other, which the gross figure counts "
            "again inside the yards' output. Deadweight: share of the regime "
            "arm's investment the de-facto arm makes anyway. "
            "Leakage: of the increases in purchases, the share bought outside the region (the "
            "model counts every purchase not from a cluster firm as outside the region, so this "
            "is an upper bound; the input-output block finds the part bought from other "
            "regional producers). "
            "Displacement: share of the extra orders other Russian yards would have won; their "
            "federal and Social-Fund taxes elsewhere in Russia at the de-facto arm's rate per "
            "rouble of output. Federal net view = net balance of the federal budget + the "
            "Social Fund − displaced taxes (present values)."
        ),
        "ru": (
            "Доли в %, денежные величины — млн руб. за горизонт. Доп. выпуск валовой / "
            "чистый: чистый без поставок предприятий кластера друг другу, которые валовой "
            "учитывает повторно в выпуске верфей. «Мёртвый груз»: доля "
            "инвестиций режима, которые сделаны и в инерционном варианте. "
            "Утечка: доля прироста закупок, купленная за пределами региона (модель относит к "
            "ним все закупки не у предприятий кластера, поэтому это верхняя оценка; блок "
            "межотраслевого баланса выделяет часть, купленную у других производителей "
            "региона). Вытеснение: доля "
            "доп. заказов, которые получили бы другие российские верфи; их федеральные налоги и "
            "страховые взносы в других регионах — по ставке инерционного варианта на рубль "
            "выпуска. "
            "Федеральное сальдо за вычетом вытеснения = сальдо федерального бюджета + "
            "Социального фонда − "
            "вытесненные налоги (приведённая стоимость)."
        ),
    },
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
        "ru": "Эффекты к инерционному варианту, % (95 % ДИ)",
    },
    "app_net": {"en": "Net balance, {level}", "ru": "Чистое сальдо: {level}"},
    "app_net_note": {
        "en": "PV, mln RUB: extra tax {revenue} − cash cost {cash}; {be}",
        "ru": "ПС, млн руб.: доп. налоги {revenue} − кассовые расходы {cash}; {be}",
    },
    "app_be": {"en": "budget efficiency {value}", "ru": "бюджетная эффективность {value}"},
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
        "en": "Levels of the current run",
        "ru": "Уровни текущего прогона",
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
        "en": "Press ▶ Play or Step to run the quarters",
        "ru": "Нажмите ▶ Пуск или Шаг, чтобы пройти кварталы",
    },
    "app_cancel": {"en": "Cancel", "ru": "Отменить"},
    "app_cancelled": {
        "en": "Estimate cancelled: no runs were kept",
        "ru": "Оценка отменена: прогоны не сохранены",
    },
    # strategy page (issue 20)
    "app_pack_prepare": {"en": "Prepare figure pack", "ru": "Подготовить пакет графиков"},
    "app_pack_drawing": {
        "en": "Preparing the figure pack: drawing the figures…",
        "ru": "Готовится пакет графиков: рисуются графики…",
    },
    "app_pack_running": {
        "en": "Preparing the figure pack: {done} of {total} files written",
        "ru": "Готовится пакет графиков: записано файлов {done} из {total}",
    },
    "app_pack_ready": {
        "en": "Figure pack of sweep '{name}' ready ({mb} MB)",
        "ru": "Пакет графиков серии «{name}» готов ({mb} МБ)",
    },
    "app_pp": {"en": "pp", "ru": "п. п."},
    "app_step": {"en": "Step", "ru": "Шаг"},
    "app_play_button": {"en": "▶ Play", "ru": "▶ Пуск"},
    "app_pause": {"en": "⏸ Pause", "ru": "⏸ Пауза"},
    "app_restart": {"en": "To quarter 0", "ru": "К кварталу 0"},
    "app_apply": {"en": "Apply and re-run", "ru": "Применить и пересчитать"},
    "app_undo": {"en": "Undo changes", "ru": "Вернуть уровни"},
    "app_moved_n": {"en": "moved, not applied: {n}", "ru": "сдвинуто, не применено: {n}"},
    "app_range": {"en": "from {lo} to {hi}", "ru": "от {lo} до {hi}"},
    "app_pending": {
        "en": "Levels moved but not applied: the results below belong to the applied levels",
        "ru": "Уровни сдвинуты, но не применены: результаты ниже относятся к применённым уровням",
    },
    "app_for_levels": {"en": "For: {levels}", "ru": "Для уровней: {levels}"},
    "app_worlds_button": {
        "en": "Over the uncertainty: {worlds} worlds × {n}",
        "ru": "С учётом неопределённости: {worlds} миров × {n}",
    },
    "app_worlds_title": {
        "en": "Across {worlds} worlds of the uncertainty set, {n} pairs each",
        "ru": "По {worlds} мирам множества неопределённости, по {n} парам в каждом",
    },
    "app_worlds_measure": {"en": "Effect", "ru": "Эффект"},
    "app_worlds_median": {"en": "Median", "ru": "Медиана"},
    "app_worlds_band": {"en": "90 % band across worlds", "ru": "90 % диапазон по мирам"},
    "app_worlds_positive": {
        "en": "Worlds with a positive effect",
        "ru": "Доля миров с положительным эффектом",
    },
    "app_worlds_note": {
        "en": "Outcomes in % vs de facto; net balances PV, mln RUB (as in the brief)",
        "ru": "Показатели в % к инерционному варианту; сальдо — ПС, млн руб. (как в записке)",
    },
    "app_stale": {
        "en": "Estimate for other levels ({levels}): estimate again for the levels on screen",
        "ru": "Оценка для других уровней ({levels}): оцените заново для уровней на экране",
    },
    "app_pin": {"en": "Pin this variant", "ru": "Закрепить вариант"},
    "app_pins": {"en": "Pinned variants (up to 4)", "ru": "Закреплённые варианты (до 4)"},
    "app_no_pins": {
        "en": "No pinned variants: estimate effects, then pin the variant",
        "ru": "Нет закреплённых вариантов: оцените эффекты и закрепите вариант",
    },
    "app_pins_full": {
        "en": "Four variants are pinned: remove one first",
        "ru": "Закреплено четыре варианта: сначала уберите один",
    },
    "app_unpin": {"en": "Remove variant {i}", "ru": "Убрать вариант {i}"},
    "app_variant": {"en": "Variant {i}", "ru": "Вариант {i}"},
    "app_diff": {"en": "{i} − 1", "ru": "{i} − 1"},
    "app_indicator": {"en": "Indicator", "ru": "Показатель"},
    "app_pins_note": {
        "en": "Effects vs de facto, % (95 % CI); net balances PV, mln RUB; last columns: "
        "difference of each variant to variant 1",
        "ru": "Эффекты к инерционному варианту, % (95 % ДИ); чистое сальдо — ПС, млн руб.; "
        "последние столбцы — разница каждого варианта с вариантом 1",
    },
    "app_live_col": {"en": "In the live run", "ru": "В текущем прогоне"},
    "app_met_since": {"en": "met since quarter {q}", "ru": "выполнен с квартала {q}"},
    "app_not_met": {"en": "not met (now {value})", "ru": "не выполнен (сейчас {value})"},
    "app_met_decision": {
        "en": "met at the decision of quarter {q}",
        "ru": "выполнен при решении в квартале {q}",
    },
    "app_failed_decision": {
        "en": "not met at the decision of quarter {q}",
        "ru": "не выполнен при решении в квартале {q}",
    },
    "app_no_decision": {"en": "no decision yet", "ru": "решения ещё не было"},
    "app_registered_q": {
        "en": "registered in quarter {q}",
        "ru": "включён в реестр в квартале {q}",
    },
    "app_budget_note": {
        "en": "Federal and regional budgets separately, as in the brief",
        "ru": "Федеральный и региональный бюджеты отдельно, как в записке",
    },
    "app_bad_scenario": {
        "en": "'{name}' is not a scenario file of the project's scenario folder",
        "ru": "«{name}» — не файл сценария из папки сценариев проекта",
    },
    "app_live_tab": {"en": "Live run", "ru": "Прогон"},
    "app_effects_tab": {"en": "Effects", "ru": "Эффекты"},
    "app_criteria_tab": {"en": "Decree 779 criteria", "ru": "Критерии постановления № 779"},
    "app_pins_tab": {"en": "Pinned variants", "ru": "Сравнение вариантов"},
    "app_stored_tab": {"en": "Stored sweeps", "ru": "Сохранённые серии"},
    "app_percent_year": {"en": "% per year", "ru": "% годовых"},
    "app_export_docx": {"en": "Download comparison (DOCX)", "ru": "Скачать сравнение (DOCX)"},
    "app_export_pdf": {"en": "Download comparison (PDF)", "ru": "Скачать сравнение (PDF)"},
    "pins_doc_title": {
        "en": "Comparison of policy variants: {scenario}",
        "ru": "Сравнение вариантов господдержки: {scenario}",
    },
    "pins_doc_heading": {
        "en": "Pinned variants side by side",
        "ru": "Закреплённые варианты рядом",
    },
    "pins_doc_table": {
        "en": "Pinned variants and their differences to variant 1",
        "ru": "Закреплённые варианты и их разница с вариантом 1",
    },
    "pins_doc_figure": {
        "en": "Effects of the pinned variants vs de facto, % (95 % CI)",
        "ru": "Эффекты закреплённых вариантов к инерционному варианту, % (95 % ДИ)",
    },
    "pins_doc_source": {
        "en": "Source: calculations with the clustersim model {version}, scenario {scenario}, "
        "paired replications (root seed {seeds}).",
        "ru": "Источник: расчёты по модели clustersim {version}, сценарий «{scenario}», "
        "парные прогоны (корневое зерно {seeds}).",
    },
    "doc_regimes_intro": {
        "en": "The regimes compared, each against the de-facto cluster (no register entry, no "
        "preferences), as the scenario file defines them:",
        "ru": "Сравниваемые режимы преференций (каждый — с инерционным вариантом: кластер "
        "де-факто без включения в реестр и без преференций), как они заданы в файле сценария:",
    },
    "sens_chart_rest": {
        "en": "{more} of smaller influence: see the sensitivity table",
        "ru": "ещё {more} с меньшим влиянием — в таблице чувствительности",
    },
    "n_parameters": {"en": "parameter|parameters", "ru": "параметр|параметра|параметров"},
    # sweep summaries and sensitivity
    "robust_title": {
        "en": "Effect of each regime across the calculated variants (N = {n})",
        "ru": "Эффект режимов по рассчитанным вариантам (N = {n})",
    },
    "robust_point": {"en": "one calculated variant", "ru": "один рассчитанный вариант"},
    "robust_range": {"en": "range across the variants", "ru": "разброс по вариантам"},
    "robust_median": {"en": "median across the variants", "ru": "медиана по вариантам"},
    "robust_base": {"en": "base variant", "ru": "базовый вариант"},
    "dose_others_at_base": {
        "en": "other parameters as in the base variant",
        "ru": "прочие параметры — как в базовом варианте",
    },
    "oat_title": {
        "en": "{outcome}: effect of {arm} when one parameter at a time is changed",
        "ru": "{outcome}: эффект режима «{arm}» при поочерёдном изменении параметров",
    },
    "oat_low": {
        "en": "parameter at its lowest value",
        "ru": "параметр на наименьшем значении",
    },
    "oat_high": {
        "en": "parameter at its highest value",
        "ru": "параметр на наибольшем значении",
    },
    "oat_base": {"en": "effect in the base variant", "ru": "эффект в базовом варианте"},
    "morris_axis": {
        "en": "Mean absolute influence μ* (Morris), {unit}",
        "ru": "Среднее абсолютное влияние μ* (метод Морриса), {unit}",
    },
    "morris_bar": {
        "en": "mean absolute influence μ*",
        "ru": "среднее абсолютное влияние μ*",
    },
    "h_sensitivity": {"en": "Sensitivity", "ru": "Анализ чувствительности"},
    "sens_intro": {
        "en": (
            "How strongly each varied parameter moves the effect: the larger the index, the more "
            "the result depends on that parameter and the more carefully its value should be "
            "justified."
        ),
        "ru": (
            "Насколько каждый изменяемый параметр влияет на эффект: чем больше индекс, тем "
            "сильнее результат зависит от параметра и тем тщательнее следует обосновать его "
            "значение."
        ),
    },
    "sens_t_sobol": {
        "en": "Sobol sensitivity indices of the effect of {arm} on {outcome} ({basis})",
        "ru": "Индексы чувствительности Соболя для эффекта режима «{arm}»: {outcome} ({basis})",
    },
    "sens_t_morris": {
        "en": "Influence of the parameters on the effect of {arm} on {outcome}, Morris method "
        "({basis})",
        "ru": "Влияние параметров на эффект режима «{arm}» по методу Морриса: {outcome} "
        "({basis})",
    },
    "sens_t_oat": {
        "en": "Effect of {arm} on {outcome} with one parameter at a time at its lowest and "
        "highest value ({basis})",
        "ru": "Эффект режима «{arm}»: {outcome} при поочерёдной установке параметров на "
        "наименьшее и наибольшее значение ({basis})",
    },
    "sens_col_param": {"en": "Parameter", "ru": "Параметр"},
    "sens_col_key": {"en": "Key in the scenario file", "ru": "Ключ в файле сценария"},
    "sens_col_S1": {"en": "First-order index S1", "ru": "Индекс первого порядка S1"},
    "sens_col_ST": {"en": "Total index ST", "ru": "Полный индекс ST"},
    "sens_col_mu_star": {
        "en": "Mean absolute influence μ*, {unit}",
        "ru": "Среднее абсолютное влияние μ*, {unit}",
    },
    "sens_col_mu": {"en": "Mean influence μ, {unit}", "ru": "Среднее влияние μ, {unit}"},
    "sens_col_sigma": {
        "en": "Spread of the influence σ, {unit}",
        "ru": "Разброс влияния σ, {unit}",
    },
    "sens_col_conf": {"en": "{index}: 95 % CI, ±", "ru": "{index}: 95 % ДИ, ±"},
    "sens_col_flag": {"en": "{index}: warning", "ru": "{index}: предупреждение"},
    "sens_col_reliability": {"en": "Reliability", "ru": "Надёжность оценки"},
    "sens_reliable": {"en": "no warning", "ru": "замечаний нет"},
    "sens_unreliable": {"en": "unreliable: {why}", "ru": "оценка ненадёжна: {why}"},
    "sens_flag_negative": {"en": "{index} is negative", "ru": "{index} отрицателен"},
    "sens_flag_wide_ci": {
        "en": "the confidence interval of {index} is wider than the index itself",
        "ru": "доверительный интервал {index} шире самого индекса",
    },
    "sens_flag_above_one": {"en": "{index} is above 1", "ru": "{index} больше 1"},
    "sens_flag_missing": {"en": "{index} could not be estimated", "ru": "{index} не оценён"},
    "sens_note_sobol": {
        "en": (
            "S1: the share of the variance of the effect due to the parameter alone; ST: the "
            "same including its interactions with the other parameters (both from 0 to 1). "
            "± is the half-width of the 95 % confidence interval (bootstrap)."
        ),
        "ru": (
            "S1 — доля дисперсии эффекта, объясняемая только данным параметром; ST — то же с "
            "учётом его взаимодействия с другими параметрами (оба от 0 до 1). ± — полуширина "
            "95 % доверительного интервала (бутстреп)."
        ),
    },
    "sens_note_morris": {
        "en": (
            "μ*: the mean absolute change of the effect when the parameter moves one step "
            "across its range; μ: the same with its sign; σ: how much that change varies "
            "(interactions, non-linearity). ± is the half-width of the 95 % confidence interval "
            "(bootstrap)."
        ),
        "ru": (
            "μ* — среднее абсолютное изменение эффекта при сдвиге параметра на один шаг его "
            "диапазона; μ — то же с учётом знака; σ — разброс этого изменения (взаимодействия, "
            "нелинейность). ± — полуширина 95 % доверительного интервала (бутстреп)."
        ),
    },
    "sens_note_oat": {
        "en": (
            "Each row changes one parameter and keeps the others as in the base variant; the "
            "spread is the difference between the two effects."
        ),
        "ru": (
            "В каждой строке изменяется один параметр, остальные — как в базовом варианте; "
            "разница — расхождение двух эффектов."
        ),
    },
    "sens_warning": {
        "en": (
            "Unreliable estimate (marked *): the index is negative (a Sobol index: or above 1) "
            "or its confidence interval is wider than the index itself. Do not quote it; "
            "increase N, the number of calculated variants, and repeat the calculation."
        ),
        "ru": (
            "Оценка ненадёжна (отмечена знаком *): индекс отрицателен (индекс Соболя — также "
            "больше 1) или его доверительный интервал шире самого индекса. Не приводите её "
            "в документах; увеличьте N — число рассчитанных вариантов — и повторите расчёт."
        ),
    },
    "sens_by_sobol": {"en": "by the total index ST", "ru": "по полному индексу ST"},
    "sens_by_morris": {"en": "by μ*", "ru": "по показателю μ*"},
    "sens_by_oat": {
        "en": "by the spread of the effect between the lowest and the highest value",
        "ru": "по разнице эффекта между наименьшим и наибольшим значением",
    },
    "sens_most": {
        "en": "The parameters that move the effect of {arm} on {outcome} most ({how}): {params}.",
        "ru": "Сильнее всего на эффект режима «{arm}» ({outcome}) влияют ({how}): {params}.",
    },
    "sens_most_one": {
        "en": "The parameter that moves the effect of {arm} on {outcome} most ({how}): {params}.",
        "ru": "Сильнее всего на эффект режима «{arm}» ({outcome}) влияет ({how}): {params}.",
    },
    "sens_most_unreliable": {
        "en": "These estimates are unreliable (see the note under Table {n}): the order is "
        "provisional.",
        "ru": "Эти оценки ненадёжны (см. примечание к таблице {n}), поэтому порядок "
        "параметров предварительный.",
    },
    "sens_chart_unreliable": {
        "en": "* unreliable estimate: too few calculated variants",
        "ru": "* оценка ненадёжна: слишком мало рассчитанных вариантов",
    },
    "sens_sheet_oat": {"en": "One at a time", "ru": "Поочерёдное изменение"},
    "oat_col_low_value": {"en": "Lowest value", "ru": "Наименьшее значение"},
    "oat_col_high_value": {"en": "Highest value", "ru": "Наибольшее значение"},
    "oat_col_low": {
        "en": "Effect at the lowest value, {unit}",
        "ru": "Эффект при наименьшем значении, {unit}",
    },
    "oat_col_high": {
        "en": "Effect at the highest value, {unit}",
        "ru": "Эффект при наибольшем значении, {unit}",
    },
    "oat_col_swing": {"en": "Spread of the effect, {unit}", "ru": "Разница эффектов, {unit}"},
    "oat_swing_short": {"en": "spread", "ru": "разница"},
    # evidence labels on hover (sim.report.criteria.source_html), the domain note's legend
    "evidence_title_V": {
        "en": "verified: the value or statement is in the cited source, which was read",
        "ru": "проверено: значение или утверждение есть в прочитанном указанном источнике",
    },
    "evidence_title_V_abs": {
        "en": "verified from the abstract or a summary only; the body of the source was not read",
        "ru": "проверено только по аннотации или пересказу; основной текст источника не прочитан",
    },
    "evidence_title_R": {
        "en": "recalled, not confirmed against a primary text: confirm before it goes into a "
        "strategy document",
        "ru": "по памяти, не сверено с первоисточником: подтвердить перед включением в документ "
        "стратегии",
    },
    "evidence_title_D": {
        "en": "derived: arithmetic on verified [V] numbers",
        "ru": "выведено: расчёт на основе проверенных [V] чисел",
    },
}

#: Measures of a budget level (:data:`sim.analysis.budget.LEVEL_MEASURES`): label and unit.
BUDGET_MEASURES: dict[str, tuple[dict[str, str], str]] = {
    "extra_revenue": (
        {"en": "Extra tax revenue at actual rates", "ru": "Доп. налоговые доходы по факт. ставкам"},
        "mln RUB",
    ),
    "tax_expenditure": (
        {
            "en": "Tax expenditure (relief at standard rates)",
            "ru": "Налоговые расходы (льготы по стандартным ставкам)",
        },
        "mln RUB",
    ),
    "cash_cost": ({"en": "Cash cost", "ru": "Кассовые расходы"}, "mln RUB"),
    "cost": (
        {
            "en": "Preference cost (cash cost + tax expenditure)",
            "ru": "Стоимость преференций (кассовые + налоговые расходы)",
        },
        "mln RUB",
    ),
    "extra_revenue_pv": (
        {"en": "Extra tax revenue (PV)", "ru": "Доп. налоговые доходы (ПС)"},
        "mln RUB",
    ),
    "tax_expenditure_pv": (
        {"en": "Tax expenditure (PV)", "ru": "Налоговые расходы (ПС)"},
        "mln RUB",
    ),
    "cash_cost_pv": ({"en": "Cash cost (PV)", "ru": "Кассовые расходы (ПС)"}, "mln RUB"),
    "cost_pv": ({"en": "Preference cost (PV)", "ru": "Стоимость преференций (ПС)"}, "mln RUB"),
    "net": ({"en": "Net balance (PV)", "ru": "Чистое сальдо (ПС)"}, "mln RUB"),
    "net_ci_low": ({"en": "Net balance, CI low", "ru": "Чистое сальдо, ДИ от"}, "mln RUB"),
    "net_ci_high": ({"en": "Net balance, CI high", "ru": "Чистое сальдо, ДИ до"}, "mln RUB"),
    "committed": (
        {
            "en": "Committed cost due after the horizon (PV)",
            "ru": "Обязательства к оплате после горизонта (ПС)",
        },
        "mln RUB",
    ),
    "net_with_committed": (
        {
            "en": "Net balance incl. committed cost (PV)",
            "ru": "Чистое сальдо с учётом обязательств (ПС)",
        },
        "mln RUB",
    ),
    "be": ({"en": "Budget efficiency", "ru": "Бюджетная эффективность"}, "ratio"),
    "be_ci_low": (
        {"en": "Budget efficiency, CI low", "ru": "Бюджетная эффективность, ДИ от"},
        "ratio",
    ),
    "be_ci_high": (
        {"en": "Budget efficiency, CI high", "ru": "Бюджетная эффективность, ДИ до"},
        "ratio",
    ),
    "no_cost": ({"en": "No cost to this budget", "ru": "Без расходов этого бюджета"}, "flag"),
}

#: The additionality columns (:data:`sim.analysis.budget.ADDITIONALITY_COLUMNS`): label, unit.
ADDITIONALITY_LABELS: dict[str, tuple[dict[str, str], str]] = {
    "extra_output": (
        {
            "en": "Extra output, gross (suppliers' sales to yards counted twice)",
            "ru": "Доп. выпуск, валовой (поставки верфям учтены дважды)",
        },
        "mln RUB",
    ),
    "extra_net_output": (
        {
            "en": "Extra output net of intra-cluster supplies",
            "ru": "Доп. выпуск за вычетом поставок внутри кластера",
        },
        "mln RUB",
    ),
    "additional_investment": (
        {"en": "Additional investment", "ru": "Дополнительные инвестиции"},
        "mln RUB",
    ),
    "deadweight_share": (
        {
            "en": "Deadweight (share of the investment made anyway)",
            "ru": "Мёртвый груз (доля инвестиций, которые были бы сделаны и без режима)",
        },
        "share",
    ),
    "extra_purchases_outside": (
        {"en": "Extra purchases outside the region", "ru": "Доп. закупки за пределами региона"},
        "mln RUB",
    ),
    "extra_local_purchases": (
        {"en": "Extra purchases from local firms", "ru": "Доп. закупки у местных предприятий"},
        "mln RUB",
    ),
    "leakage_share": (
        {
            "en": "Leakage (share of the purchase increases outside the region)",
            "ru": "Утечка (доля прироста закупок за пределами региона)",
        },
        "share",
    ),
    "displaced_orders": (
        {
            "en": "Orders taken from other Russian yards",
            "ru": "Заказы, отнятые у других российских верфей",
        },
        "mln RUB",
    ),
    "displacement_share": (
        {
            "en": "Displacement (share of the extra orders taken from other Russian yards)",
            "ru": "Вытеснение (доля доп. заказов, отнятых у других российских верфей)",
        },
        "share",
    ),
    "federal_tax_intensity": (
        {
            "en": "Federal and Social Fund revenue per rouble of output (de facto)",
            "ru": "Доходы федерального бюджета и Социального фонда на рубль выпуска (инерционный "
                  "вариант)",
        },
        "RUB per RUB",
    ),
    "displaced_taxes": (
        {
            "en": "Federal and Social Fund revenue displaced elsewhere in Russia (PV)",
            "ru": "Доходы федерального бюджета и Социального фонда, вытесненные в других "
            "регионах (ПС)",
        },
        "mln RUB",
    ),
    "federal_net": (
        {
            "en": "Federal net view: federal budget + Social Fund − displaced (PV)",
            "ru": "Федеральный уровень: федеральный бюджет + Социальный фонд − вытеснение (ПС)",
        },
        "mln RUB",
    ),
    "federal_net_ci_low": (
        {"en": "Federal net view, CI low", "ru": "Федеральный уровень, ДИ от"},
        "mln RUB",
    ),
    "federal_net_ci_high": (
        {"en": "Federal net view, CI high", "ru": "Федеральный уровень, ДИ до"},
        "mln RUB",
    ),
}

#: The input-output columns (:data:`sim.analysis.regional_io.IO_COLUMNS`): label, unit.
IO_LABELS: dict[str, tuple[dict[str, str], str]] = {
    "io_first_round": (
        {
            "en": "Input-output: first-round output of regional non-cluster producers",
            "ru": "Межотраслевой баланс: выпуск региональных поставщиков вне кластера, "
            "первый круг",
        },
        "mln RUB",
    ),
    "io_indirect_output": (
        {
            "en": "Input-output: indirect output (supply chain in the region)",
            "ru": "Межотраслевой баланс: косвенный выпуск (цепочки поставок в регионе)",
        },
        "mln RUB",
    ),
    "io_induced_output": (
        {
            "en": "Input-output: induced output (household spending)",
            "ru": "Межотраслевой баланс: индуцированный выпуск (расходы домохозяйств)",
        },
        "mln RUB",
    ),
    "io_first_round_value_added": (
        {
            "en": "Input-output: first-round value added",
            "ru": "Межотраслевой баланс: добавленная стоимость, первый круг",
        },
        "mln RUB",
    ),
    "io_indirect_value_added": (
        {
            "en": "Input-output: indirect value added",
            "ru": "Межотраслевой баланс: косвенная добавленная стоимость",
        },
        "mln RUB",
    ),
    "io_induced_value_added": (
        {
            "en": "Input-output: induced value added",
            "ru": "Межотраслевой баланс: индуцированная добавленная стоимость",
        },
        "mln RUB",
    ),
    "io_first_round_employment": (
        {
            "en": "Input-output: first-round jobs (last year)",
            "ru": "Межотраслевой баланс: рабочие места, первый круг (последний год)",
        },
        "persons",
    ),
    "io_indirect_employment": (
        {
            "en": "Input-output: indirect jobs (last year)",
            "ru": "Межотраслевой баланс: косвенные рабочие места (последний год)",
        },
        "persons",
    ),
    "io_induced_employment": (
        {
            "en": "Input-output: induced jobs (last year)",
            "ru": "Межотраслевой баланс: индуцированные рабочие места (последний год)",
        },
        "persons",
    ),
}

_OTHER_BUDGET_COLUMNS: dict[str, tuple[str, str]] = {
    "point": ("col_point", ""),
    "arm": ("col_arm", ""),
    "n": ("col_n", ""),
    "output_per_rouble": ("col_output_per_rouble", "RUB per RUB"),
}
_LEVEL_OF = {level_column(m, lv): (m, lv) for lv in ACCOUNT_LEVELS for m in LEVEL_MEASURES}

ARMS: dict[str, dict[str, str]] = {
    "de_facto": {"en": "De facto", "ru": "Инерционный вариант"},
    "decree41_full": {"en": "Decree 41", "ru": "Субсидии по ПП № 41"},
    "cluster_support_2020s": {"en": "2020s package", "ru": "Пакет 2020-х"},
    "loans_only": {"en": "Loans only", "ru": "Только займы"},
    "tax_relief_only": {"en": "Tax relief only", "ru": "Только налоговые льготы"},
    "placebo": {"en": "Placebo (registry only)", "ru": "Только включение в реестр"},
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
    "membership.peer_weight": {
        "en": "peer weight",
        "ru": "влияние соседей на решение о вступлении",
    },
    "annual_budget_mln_rub": {"en": "budget limit per year", "ru": "лимит бюджета в год"},
    "tax_relief.regional_profit_tax_cut": {
        "en": "regional profit-tax cut",
        "ru": "снижение регионального налога на прибыль",
    },
    "tax_relief.property_tax_cut": {
        "en": "property-tax cut",
        "ru": "снижение налога на имущество",
    },
    # --- the uncertain world parameters of the shipped scenarios (issue 18)
    "scenario.horizon_quarters": {"en": "horizon, quarters", "ru": "горизонт, кварталов"},
    "market.market_orders_mln_rub_per_year": {
        "en": "market orders, mln RUB a year",
        "ru": "заказы рынка, млн руб. в год",
    },
    "market.order_size_mln_rub.mean": {
        "en": "mean order size, mln RUB",
        "ru": "средний размер заказа, млн руб.",
    },
    "market.demand_volatility": {"en": "demand volatility", "ru": "волатильность спроса"},
    "market.delivery_sensitivity": {
        "en": "buyers' weight on delivery time",
        "ru": "чувствительность заказчиков к сроку поставки",
    },
    "market.order_window_quarters": {
        "en": "order window, quarters",
        "ru": "окно приёма заказов, кварталов",
    },
    "market.rival_productivity_trend_per_year": {
        "en": "rivals' productivity growth a year",
        "ru": "рост производительности конкурентов в год",
    },
    "market.rival_price_response": {
        "en": "rivals' price response",
        "ru": "ценовая реакция конкурентов",
    },
    "market.russian_share_of_rivals": {
        "en": "Russian share of rivals' orders",
        "ru": "доля российских верфей в заказах конкурентов",
    },
    "sourcing.purchases_share_of_output": {
        "en": "purchases share of output",
        "ru": "доля закупок в выпуске",
    },
    "sourcing.initial_local_share": {
        "en": "starting local share of purchases",
        "ru": "начальная доля местных закупок",
    },
    "sourcing.price_sensitivity": {
        "en": "buyers' price sensitivity to suppliers",
        "ru": "ценовая чувствительность закупок",
    },
    "sourcing.unmatched_search_cost": {
        "en": "search cost without matching",
        "ru": "издержки поиска без содействия специализированной организации",
    },
    "sourcing.qualification_threshold": {
        "en": "qualification threshold for suppliers",
        "ru": "порог квалификации поставщика",
    },
    "membership.benefit_scale_mln_rub": {
        "en": "membership benefit scale, mln RUB",
        "ru": "масштаб выгоды участия, млн руб.",
    },
    "membership.heterogeneity_sd": {
        "en": "firms' heterogeneity in joining",
        "ru": "разнородность решений фирм об участии",
    },
    "organisation.project_return_per_year.mean": {
        "en": "joint projects' mean return a year",
        "ru": "средняя доходность совместных проектов в год",
    },
    "finance.market_loan_spread": {
        "en": "market loan spread over the key rate",
        "ru": "надбавка рыночных кредитов к ключевой ставке",
    },
    "finance.max_debt_to_ebitda": {
        "en": "borrowing limit, debt / EBITDA",
        "ru": "предел долга, долг / EBITDA",
    },
    "production.learning_elasticity": {"en": "learning elasticity", "ru": "эластичность обучения"},
    "production.capacity_retirement_per_year": {
        "en": "capacity retirement a year",
        "ru": "выбытие мощностей в год",
    },
    "sme_demography.entry_rate_per_year": {
        "en": "SME entry rate a year",
        "ru": "темп входа МСП в год",
    },
    "registry.processing_lag_quarters": {
        "en": "registry processing time, quarters",
        "ru": "срок рассмотрения заявки, кварталов",
    },
    "taxes.vat.net_share": {
        "en": "share of VAT the budget keeps",
        "ru": "доля НДС, остающаяся в бюджете",
    },
    "loan_programmes[0].annual_budget_mln_rub": {
        "en": "IDF loans to the cluster, mln RUB a year",
        "ru": "займы ФРП кластеру, млн руб. в год",
    },
    "loan_programmes[1].annual_budget_mln_rub": {
        "en": "KIP loans to the cluster, mln RUB a year",
        "ru": "займы КИП кластеру, млн руб. в год",
    },
    "loan_programmes[1].term_years": {"en": "KIP loan term, years", "ru": "срок займов КИП, лет"},
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
    "mln RUB (present value at the quarter's end)":
        "млн руб. (приведённая стоимость на конец квартала)",
    "ratio": "отношение",
    "flag": "признак",
    "RUB per RUB": "руб. на руб.",
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


def plural(n: int, forms: str, lang: str) -> str:
    """The word form for a count: ``forms`` is ``one|many`` (en) or ``one|few|many`` (ru).

    Russian: 1, 21, 101 -> one (повторение); 2-4, 22-24 -> few (повторения); 0, 5-20, 11-14,
    25 -> many (повторений). English: 1 -> one, else many.
    """
    parts = forms.split("|")
    n = abs(int(n))
    if check_lang(lang) == "en":
        return parts[0] if n == 1 else parts[-1]
    if n % 10 == 1 and n % 100 != 11:
        return parts[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return parts[1]
    return parts[2]


def count(n: int, key: str, lang: str) -> str:
    """``n`` and the catalogue word ``key`` in its grammatical form: ``2 повторения``."""
    return f"{fmt(n, lang, 0)} {plural(n, t(key, lang), lang)}"


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


def budget_label(column: str, lang: str) -> str:
    """Label of a budget column, e.g. ``Net balance (PV), federal budget``.

    Raises:
        KeyError: ``column`` is not one of :data:`sim.analysis.budget.BUDGET_COLUMNS`.
    """
    check_lang(lang)
    if column in _LEVEL_OF:
        measure, level = _LEVEL_OF[column]
        return f"{BUDGET_MEASURES[measure][0][lang]}, {t(level, lang)}"
    if column in ADDITIONALITY_LABELS:
        return ADDITIONALITY_LABELS[column][0][lang]
    if column in IO_LABELS:
        return IO_LABELS[column][0][lang]
    if column in _OTHER_BUDGET_COLUMNS:
        return t(_OTHER_BUDGET_COLUMNS[column][0], lang)
    raise KeyError(f"not a budget column: {column!r}; columns: {', '.join(BUDGET_COLUMNS)}")


def budget_unit(column: str) -> str:
    """Unit of a budget column: mln RUB, share, ratio, flag, RUB per RUB, persons, or ``""``.

    The columns are those of :func:`sim.analysis.budget.budget` and the input-output columns of
    :func:`sim.analysis.regional_io.io_effects`. Money is mln RUB over the horizon (``_pv``
    columns, ``net_*``, ``committed_*``, displaced taxes and the federal net view are present
    values at the start of the horizon; the input-output output and value added are
    undiscounted); input-output jobs are persons in the horizon's last year.
    """
    if column in _LEVEL_OF:
        return BUDGET_MEASURES[_LEVEL_OF[column][0]][1]
    if column in ADDITIONALITY_LABELS:
        return ADDITIONALITY_LABELS[column][1]
    if column in IO_LABELS:
        return IO_LABELS[column][1]
    if column in _OTHER_BUDGET_COLUMNS:
        return _OTHER_BUDGET_COLUMNS[column][1]
    raise KeyError(f"not a budget column: {column!r}")


def param_label(key: str, lang: str) -> str:
    """Label of a varied parameter (dotted key); matches on the longest known suffix."""
    for k, labels in sorted(PARAMS.items(), key=lambda kv: -len(kv[0])):
        if key == k or key.endswith("." + k):
            return labels[check_lang(lang)]
    return key.rsplit(".", 1)[-1].replace("_", " ")


def is_flag(value: Any) -> bool:
    """A flag cell (``no_cost_*``) that is set: True, not NaN or a missing value."""
    return isinstance(value, (bool, np.bool_)) and bool(value)


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
    neg = v < 0 and round(abs(v), decimals) != 0  # -0.04 at one decimal is 0.0, not -0.0
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
