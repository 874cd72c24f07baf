"""The employee's own pages: activation with private MitID from the emailed link (G6.1–G6.7),
*Min profil*, and the end of a suspended or closed user's sessions."""
