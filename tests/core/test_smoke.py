from chibo.members import tallies
from chibo.members.models import UnitMemberTally


def test_cast_tallies_match_a_recount(cast):
    assert tallies.verify() == []
    assert UnitMemberTally.objects.get(unit=cast.tree.root).total == 4
    assert UnitMemberTally.objects.get(unit=cast.tree.p).women == 1
