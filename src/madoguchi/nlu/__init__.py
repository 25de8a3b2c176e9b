"""Understanding a customer's words: normalisation, language, intent, entities, urgency, PII redaction."""
