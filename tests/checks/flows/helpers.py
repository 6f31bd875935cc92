# Not a flow: mentions FlowSpec only in a comment and a string.
import secrets  # the standard library module

TOKEN = secrets.token_hex(8)
DOC = "subclass FlowSpec to write a flow"
