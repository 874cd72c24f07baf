"""Invitations, activation codes and bound means arrive with the activation issue."""
