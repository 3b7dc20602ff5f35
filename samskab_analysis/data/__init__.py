"""Raw data as validated tables: the robust CSV reader, errors, the questionnaire, the published statements."""
