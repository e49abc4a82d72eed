"""Stage 5, sim.model.mechanisms.sourcing: local vs outside purchases by trade (docs 7.8)."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import government, scenario, state, supplier, yard

from sim.model.mechanisms import sourcing

# Astrakhan: purchases 0.38 of output, half localisable, metalwork 30 % of it at a 4 % premium,
# price sensitivity 8, search cost 6 % for unmatched suppliers.
YARD_OUTPUT = 40.0
METALWORK_DEMAND = YARD_OUTPUT * 0.38 * 0.5 * 0.30  # 2.28 mln RUB


def _one_pair(yard_attrs=None, supplier_attrs=None, regime="de_facto", registered=False):
    """A yard and one metalwork supplier (free capacity 0.5 * min(4, 2.0 * 10 / 4) = 2)."""
    sc = scenario()
    sup = {"employment": 10.0, "productivity": 2.0, "capacity": 4.0, "output": 4.0,
           "matched": True, **(supplier_attrs or {})}  # fmt: skip
    st = state([yard(output=YARD_OUTPUT, **(yard_attrs or {})), supplier(0, **sup)], sc, 2)
    gov = government(sc, regime, registered=registered, since=1)
    return st, gov


def test_attraction_sums_each_suppliers_capacity_times_its_price_power():
    # two suppliers of free capacity 3 and 1 at prices 1 and 1.1: 3 x 1 + 1 x 1.1^-8
    assert sourcing.attraction(np.array([3.0, 1.0]), np.array([1.0, 1.1]), 8.0) == pytest.approx(
        3.0 + 1.1**-8, rel=1e-12
    )
    # per supplier, not the group average price: a dear newcomer adds to the group, never
    # makes it less attractive (Jensen: the average price would have lowered the sum)
    alone = sourcing.attraction(np.array([3.0]), np.array([1.0]), 8.0)
    with_newcomer = sourcing.attraction(np.array([3.0, 1.0]), np.array([1.0, 1.06]), 8.0)
    average_price = 4.0 * ((3 * 1.0 + 1 * 1.06) / 4) ** -8.0
    assert with_newcomer > alone
    assert with_newcomer > average_price


def test_group_shares_two_equal_groups_and_outside_get_a_third_each():
    # w_g = A_g / D = 10 / 10 = 1; share_g = 1 / (1 + 1 + a_O = 1) = 1/3
    shares = sourcing.group_shares(10.0, np.array([10.0, 10.0]), 1.0)
    assert shares == pytest.approx([1 / 3, 1 / 3], rel=1e-12)


def test_group_shares_price_and_capacity_enter_the_logit():
    # A_P = 4 x 1.1^-8, A_N = 2 x 1^-8; D = 8: w_P = 0.5 x 1.1^-8, w_N = 0.25; a_O = 0.5
    w_p = 0.5 * 1.1**-8
    attr = np.array([4.0 * 1.1**-8, 2.0])
    shares = sourcing.group_shares(8.0, attr, 0.5)
    assert shares == pytest.approx([w_p / (w_p + 0.75), 0.25 / (w_p + 0.75)], rel=1e-12)
    # 0.5 * 0.4665074 = 0.2332537; 0.2332537 / 0.9832537 = 0.2372264
    assert shares[0] == pytest.approx(0.2372264, rel=1e-6)


def test_group_shares_no_demand_or_no_capacity_buys_nothing_locally():
    assert sourcing.group_shares(0.0, np.array([5.0, 5.0]), 1.0).tolist() == [0.0, 0.0]
    # a group without free capacity has weight 0: the other gets 1 / (1 + 1)
    shares = sourcing.group_shares(10.0, np.array([0.0, 10.0]), 1.0)
    assert shares == pytest.approx([0.0, 0.5], rel=1e-12)


def test_group_shares_rows_equal_group_shares_row_by_row():
    demand = np.array([10.0, 0.0, 8.0])
    attr = np.array([[4.0, 2.0], [4.0, 2.0], [4.0 * 1.1**-8, 2.0]])
    rows = sourcing.group_shares_rows(demand, attr, 0.5)
    # row 0: w = 0.4, 0.2 -> / 1.1; row 1: no demand; row 2: as in the test above
    w_p = 0.5 * 1.1**-8
    assert rows[0] == pytest.approx([0.4 / 1.1, 0.2 / 1.1], rel=1e-12)
    assert rows[1].tolist() == [0.0, 0.0]
    assert rows[2] == pytest.approx([w_p / (w_p + 0.75), 0.25 / (w_p + 0.75)], rel=1e-12)


def test_source_one_yard_one_participant_supplier_by_hand():
    st, gov = _one_pair({"participant": True}, {"participant": True})
    sourcing.source(st, gov)
    f = st.firms
    # free capacity 2, D = 2.28, matched participant: p_e = 1.04 (relative cost 1, premium 4 %)
    w = (2.0 / METALWORK_DEMAND) * 1.04**-8  # 0.640956
    bought = METALWORK_DEMAND * w / (w + 1.0)  # a_O = 1 -> 0.890566, below capacity 2
    assert bought == pytest.approx(0.890566, rel=1e-5)
    assert f.purchases[0] == pytest.approx(40.0 * 0.38, rel=1e-12)  # 15.2
    assert f.purchases_local[0] == pytest.approx(bought, rel=1e-12)
    assert f.purchases_from_participants[0] == pytest.approx(bought, rel=1e-12)
    assert f.sales_cluster[1] == pytest.approx(bought, rel=1e-12)
    assert f.sales_cluster[0] == 0.0
    # both are participants and traded: a contract this quarter (quarter 2) for both
    assert f.last_contract_quarter[:2].tolist() == [2, 2]
    # the supplier's own purchases are not set by sourcing
    assert f.purchases[1] == 0.0


def test_source_non_participant_supplier_pays_search_cost_and_signs_no_contract():
    st, gov = _one_pair({"participant": True}, {"participant": False, "matched": False})
    sourcing.source(st, gov)
    f = st.firms
    # other local suppliers always carry the search cost: p_e = 1.04 * 1.06
    w = (2.0 / METALWORK_DEMAND) * (1.04 * 1.06) ** -8
    bought = METALWORK_DEMAND * w / (w + 1.0)
    assert f.purchases_local[0] == pytest.approx(bought, rel=1e-12)
    assert f.sales_cluster[1] == pytest.approx(bought, rel=1e-12)
    assert f.purchases_from_participants[0] == 0.0
    assert f.last_contract_quarter[:2].tolist() == [-100, -100]


def test_non_participant_yard_pays_search_cost_and_signs_no_contract():
    # docs 7.8: non-participant buyers pay the full search cost even on matched participant
    # suppliers, and their purchases do not count as contracts
    st, gov = _one_pair({"participant": False}, {"participant": True, "matched": True})
    sourcing.source(st, gov)
    f = st.firms
    w = (2.0 / METALWORK_DEMAND) * (1.04 * 1.06) ** -8
    bought = METALWORK_DEMAND * w / (w + 1.0)
    assert f.purchases_local[0] == pytest.approx(bought, rel=1e-12)
    assert f.purchases_from_participants[0] == pytest.approx(bought, rel=1e-12)
    assert f.sales_cluster[1] == pytest.approx(bought, rel=1e-12)
    assert f.last_contract_quarter[:2].tolist() == [-100, -100]


def test_source_rations_purchases_to_free_capacity():
    st, gov = _one_pair({"participant": True}, {"participant": True})
    st.outside_attraction[0] = 0.01
    sourcing.source(st, gov)
    f = st.firms
    # unrationed: 2.28 * 0.640956 / 0.650956 = 2.245 > free capacity 2 -> cut to 2
    assert f.purchases_local[0] == pytest.approx(2.0, rel=1e-12)
    assert f.sales_cluster[1] == pytest.approx(2.0, rel=1e-12)


def test_source_two_equal_groups_a_third_each_then_rationed():
    # Two unmatched metalwork suppliers, one participant and one not, each with free capacity
    # 0.5 * min(4, 0.2 * 10 / 4) = 0.25 and effective price 1.04 * 1.06 (both searched).
    sc = scenario()
    sup = {"employment": 10.0, "productivity": 0.2, "capacity": 4.0, "output": 0.5}
    st = state([yard(output=YARD_OUTPUT, participant=True),
                supplier(0, participant=True, **sup), supplier(0, participant=False, **sup)],
               sc, 2)  # fmt: skip
    # a_O = w_g makes each share 1/3: D / 3 = 0.76 per group, above 0.25 -> rationed to 0.25
    st.outside_attraction[0] = (0.25 / METALWORK_DEMAND) * (1.04 * 1.06) ** -8
    sourcing.source(st, government(sc))
    f = st.firms
    assert f.sales_cluster[1:3] == pytest.approx([0.25, 0.25], rel=1e-12)
    assert f.purchases_local[0] == pytest.approx(0.5, rel=1e-12)
    assert f.purchases_from_participants[0] == pytest.approx(0.25, rel=1e-12)


def test_source_ignores_unqualified_and_non_producing_suppliers():
    st, gov = _one_pair({"participant": True}, {"participant": True, "qualification": 0.5})
    sourcing.source(st, gov)
    assert st.firms.purchases_local[0] == 0.0
    assert st.firms.sales_cluster[1] == 0.0
    # born last quarter (2 - 1 <= 2 non-producing quarters): not yet a supplier
    st, gov = _one_pair({"participant": True}, {"participant": True, "born_quarter": 1})
    sourcing.source(st, gov)
    assert st.firms.purchases_local[0] == 0.0
    assert st.firms.purchases[0] == pytest.approx(15.2, rel=1e-12)


def test_source_starter_batch_subsidy_for_a_registered_cluster():
    # cluster_support_2020s: 50 % of purchases from participants reimbursed; both on the roster
    on_roster = {"participant": True, "last_contract_quarter": 1}
    st, gov = _one_pair(on_roster, on_roster, "cluster_support_2020s", registered=True)
    st.ledger.start_quarter()
    sourcing.source(st, gov)
    f = st.firms
    # p_e = 1.04 * (1 - 0.5) = 0.52: w = 0.877193 * 0.52^-8 = 164.6, share 0.9940,
    # 2.28 * 0.9940 = 2.266 > 2 -> rationed to 2; claim 0.5 * 2 = 1
    assert f.purchases_from_participants[0] == pytest.approx(2.0, rel=1e-12)
    assert f.cash[0] == pytest.approx(1.0, rel=1e-12)
    assert st.ledger.cost[("starter_batch", "federal")] == pytest.approx(1.0, rel=1e-12)
    assert gov.starter_paid[0] == pytest.approx(1.0, rel=1e-12)


def test_spill_sends_unmet_demand_to_groups_with_room_by_attraction_capped_at_room():
    # Seller groups 0, 1, 2 with free capacity 1, 4 and 0.5; two buyer rows.
    cap = np.array([1.0, 4.0, 0.5])
    wanted = np.array([[1.5, 1.0, 0.25], [0.5, 0.5, 0.0]])
    # group 0 is asked for 2 > 1: both rows get half of what they wanted from it
    bought = np.array([[0.75, 1.0, 0.25], [0.25, 0.5, 0.0]])
    attr = np.array([[8.0, 1.0, 1.0], [8.0, 1.0, 3.0]])
    sourcing.spill(bought, wanted, cap, attr)
    # unmet 0.75 (row 0) and 0.25 (row 1); room 0, 4 - 1.5 = 2.5 and 0.5 - 0.25 = 0.25.
    # Group 0 is full: its attraction 8 does not count. Row 0 splits 1 : 1 -> 0.375 each;
    # row 1 splits 1 : 3 -> 0.0625 and 0.1875. Group 1 takes its 0.4375 (< 2.5); group 2 is
    # asked for 0.5625 > 0.25 and gives each row 0.25 / 0.5625 = 4/9 of it: 1/6 and 1/12.
    assert bought[:, 0].tolist() == [0.75, 0.25]  # the full group sells nothing more
    assert bought[:, 1] == pytest.approx([1.375, 0.5625], rel=1e-12)
    assert bought[:, 2] == pytest.approx([0.25 + 1 / 6, 1 / 12], rel=1e-12)
    assert bought.sum(axis=0)[2] == pytest.approx(0.5, rel=1e-12)  # group 2 now at capacity
    # what found no room leaves the region: 0.75 - 0.375 - 1/6 and 0.25 - 0.0625 - 1/12
    left = wanted.sum(axis=1) - bought.sum(axis=1)
    assert left == pytest.approx([0.75 - 0.375 - 1 / 6, 0.25 - 0.0625 - 1 / 12], rel=1e-12)


def test_spill_nothing_without_room_or_without_unmet_demand():
    attr = np.array([[1.0, 1.0]])
    # both groups asked for 2 and rationed to 1: no room anywhere, the rest goes outside
    bought = np.array([[1.0, 1.0]])
    sourcing.spill(bought, np.array([[2.0, 2.0]]), np.array([1.0, 1.0]), attr)
    assert bought.tolist() == [[1.0, 1.0]]
    # nobody rationed: nothing to spill into the room there is
    bought = np.array([[0.5, 0.25]])
    sourcing.spill(bought, np.array([[0.5, 0.25]]), np.array([1.0, 1.0]), attr)
    assert bought.tolist() == [[0.5, 0.25]]


def test_spill_a_group_rationed_to_capacity_takes_nothing_whatever_the_rounding():
    # group 0 is asked for 0.1 + 0.7 = 0.8 > 0.3: rationed by 0.375 to 0.0375 and 0.2625, whose
    # float sum is 5.6e-17 short of 0.3. Unmet 0.0625 + 0.4375 = 0.5 should all go to group 1
    # (room 10).
    wanted = np.array([[0.1, 0.0], [0.7, 0.0]])
    cap = np.array([0.3, 10.0])
    bought = wanted * np.array([0.3 / 0.8, 1.0])
    sourcing.spill(bought, wanted, cap, np.ones((2, 2)))
    assert bought[:, 1].sum() == pytest.approx(0.5, rel=1e-9)


def _new_and_old_supplier(quarter=6):
    """A claimant yard, a participant yard off the roster, and two matched participant
    metalwork suppliers of free capacity 0.5 x min(40, 2 x 100 / 4) = 20: one within its
    starter window (first sale 3 quarters ago), one past it (4 quarters ago)."""
    sc = scenario()
    sup = {"employment": 100.0, "productivity": 2.0, "capacity": 40.0, "output": 40.0,
           "participant": True, "matched": True}  # fmt: skip
    st = state([
        yard(output=YARD_OUTPUT, participant=True, last_contract_quarter=quarter - 1),
        yard(output=YARD_OUTPUT, participant=True),  # no contract for 100 quarters: off roster
        supplier(0, first_sale_quarter=quarter - 3, **sup),
        supplier(0, first_sale_quarter=quarter - 4, **sup),
    ], sc, quarter)  # fmt: skip
    return st


def test_source_starter_batch_subsidy_lowers_the_new_suppliers_price_for_claimants_only():
    st = _new_and_old_supplier()
    gov = government(st.spec, "cluster_support_2020s", registered=True)
    sourcing.source(st, gov)
    f = st.firms
    # Every supplier's price 1.04 (matched participants: no search cost). For the claimant the
    # new supplier costs 1.04 x (1 - 0.5): attraction x 0.5^-8 = 256; the old one does not.
    w = (20.0 / METALWORK_DEMAND) * 1.04**-8  # each supplier's A / D at price 1.04
    claimant_new = METALWORK_DEMAND * 256 * w / (256 * w + w + 1.0)  # a_O = 1
    claimant_old = METALWORK_DEMAND * w / (256 * w + w + 1.0)
    other = METALWORK_DEMAND * w / (2 * w + 1.0)  # the yard off the roster: no discount
    assert claimant_new / claimant_old == pytest.approx(256.0, rel=1e-12)
    # (no rationing: 2.27 + 1.06 from the new supplier, below its 20)
    assert f.purchases_starter[:2] == pytest.approx([claimant_new, other], rel=1e-12)
    assert f.purchases_from_participants[:2] == pytest.approx(
        [claimant_new + claimant_old, 2 * other], rel=1e-12
    )
    assert f.sales_cluster[2:4] == pytest.approx(
        [claimant_new + other, claimant_old + other], rel=1e-12
    )
    # claims: 0.5 x the claimant's starter batches only (not its 0.009 from the old supplier,
    # nor the other yard's starter batches)
    assert f.cash[:2] == pytest.approx([0.5 * claimant_new, 0.0], rel=1e-12)
    assert st.ledger.cost[("starter_batch", "federal")] == pytest.approx(
        0.5 * claimant_new, rel=1e-12
    )
    # both suppliers had sold before: their first sale quarters stay as they were
    assert f.first_sale_quarter[2:4].tolist() == [3, 2]


def test_source_without_the_instrument_treats_new_and_old_suppliers_alike():
    st = _new_and_old_supplier()
    sourcing.source(st, government(st.spec, "loans_only", registered=True))
    f = st.firms
    # no starter batches and no claimants: both yards are "other participants", one buyer group
    # of demand 2 x 2.28, and both suppliers one seller group of attraction 2 x 20 x 1.04^-8,
    # whose purchases they share in proportion to their free capacity (half each)
    demand = 2 * METALWORK_DEMAND
    w = (40.0 / demand) * 1.04**-8
    each = demand * w / (w + 1.0) / 2
    assert f.sales_cluster[2:4] == pytest.approx([each, each], rel=1e-12)
    assert f.purchases_from_participants[:2] == pytest.approx([each, each], rel=1e-12)
    assert f.purchases_starter[:2].tolist() == [0.0, 0.0]
    assert f.cash[:2].tolist() == [0.0, 0.0]


def test_source_records_a_suppliers_first_sale_to_the_cluster():
    st, gov = _one_pair({"participant": True}, {"participant": True})  # quarter 2
    assert st.firms.first_sale_quarter[:2].tolist() == [-1, -1]  # never sold
    sourcing.source(st, gov)
    assert st.firms.sales_cluster[1] > 0
    # the supplier's first sale is this quarter; the yard sells nothing to the cluster
    assert st.firms.first_sale_quarter[:2].tolist() == [-1, 2]
    st.quarter = 3
    sourcing.source(st, gov)
    assert st.firms.first_sale_quarter[1] == 2  # the first sale, not the latest
    # an unqualified supplier sells nothing and keeps "never sold"
    st, gov = _one_pair({"participant": True}, {"participant": True, "qualification": 0.5})
    sourcing.source(st, gov)
    assert st.firms.first_sale_quarter[1] == -1
    # a supplier established at the start (-100) keeps that mark when it sells
    st, gov = _one_pair({"participant": True}, {"participant": True, "first_sale_quarter": -100})
    sourcing.source(st, gov)
    assert st.firms.sales_cluster[1] > 0
    assert st.firms.first_sale_quarter[1] == -100


def test_trade_columns_follow_the_scenario_they_are_asked_for():
    a = scenario()
    b = scenario({"sourcing.trades.0.local_price_premium": 0.5})
    for sc in (a, b, a):
        premium, share = sourcing._trade_columns(sc.sourcing)
        assert premium.tolist() == [t.local_price_premium for t in sc.sourcing.trades]
        assert share.tolist() == [t.purchase_share for t in sc.sourcing.trades]
