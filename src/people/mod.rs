//! People: grouping faces into persons.
