"""Lottery games (营销游戏): the wheel (大转盘), the scratch card (刮刮卡) and the golden egg (砸金蛋),
and the points playground (积分乐园: the games paid with points). A Django app of its own
(label ``games``) inside the marketing package: setup in ``setup``, the draw in ``drawing`` (pure
odds in ``odds``), prizes in ``prizes``, reads in ``queries``."""
