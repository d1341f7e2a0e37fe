"""Example targets for ``optoracle check``, written the way students write the assignment.

* ``student_correct``: correct, in the later course's convention (epsilon outside the
  square root, Adam returns the 5-tuple). Passes ``--profile course``; under the
  default ``seed`` profile it fails only ``adam.epsilon-placement``.
* ``student_buggy``: three classic mistakes; see ``EXPECTED_FAILING_CLAUSES`` there.
"""
