"""请销假 and 校外住宿: requests, the approval chain as data, 销假, overdue return."""
