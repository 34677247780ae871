"""Infrastructure the use cases lean on: mail, audit log, passwords, calendar files, backups, locks."""
