"""Campaigns (暗访批次): planning, the 双随机 draw, the board and the disclosure (一公开)."""
