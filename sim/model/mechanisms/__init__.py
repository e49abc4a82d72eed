"""One module per stage of the quarter (docs/model.md section 7), in schedule order.

==========================  =====  ===============================================
module                      stage  what it does
==========================  =====  ===============================================
``prices``                  0      key rate, loan rates, unit costs and prices (7.1)
``market``                  1      new orders won by a logit on price and delivery (7.2)
``membership``              2      firms join or leave the cluster (7.3)
``registry``                3      Decree 779 application, decision, lapse (7.4)
``matching``                3b     the organisation matches SMEs (7.5)
``joint_projects``          4      joint projects and their subsidy (7.6)
``production``              6a/6b  final and supplier production, learning (7.7, 7.10)
``sourcing``                5      local vs outside purchases by trade (7.8)
``starter_batches``         in 5   the starter-batch subsidy (7.9)
``investment``              7      capacity investment (7.11)
``financing``               in 7   financing plans, loan programmes, amortisation (7.11-7.12)
``qualification``           7b     SMEs invest to qualify (7.13)
``taxes``                   8      taxes by budget level, SEZ regime, cash (7.14-7.15)
``tax_relief``              in 8   the regime's regional tax relief (7.16)
``demography``              9      SME entry and exit (7.17)
``record``                  after  the quarter's outcomes (7.18)
==========================  =====  ===============================================

Each instrument module (``joint_projects``, ``starter_batches``, ``financing``, ``tax_relief``)
holds both halves of the instrument, computed by the same rules: what a firm expects from it
(read by membership) and the code that pays it. Mechanisms read and write
:class:`sim.model.state.State` through its public attributes and queries and call the agents'
decision rules; they keep no state of their own and draw random numbers only from the
generator they are given.
"""
