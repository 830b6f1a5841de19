"""A seeded generative model of the food app's users, so that each ranker can be measured.

The Django-free core (dishes, taste, queries, truth, logging_policy, sessions, world, online,
value_shares) draws people with hidden tastes, the queries they type, the slates the v1 app
showed them and what they clicked, ordered, reordered and rated. `services.simulation_run` writes
that history through the same services as real sign-ups and events; `World.true_order_probability`
answers, for evaluation only, what would have happened for any (person, query, dish, context,
time since the last order); `online.online_evaluate` serves fresh sessions after the log with any
rankers and answers them with the truth; `value_shares` measures how much of the best order rate
each half of the truth (memorization, features) carries.
"""
