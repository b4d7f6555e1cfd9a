MODULE BenchTypes;
(*
	The types a benchmark task's procedures take and return where Component Pascal has no value of its
	own for them: a function procedure cannot return an array, so lists and strings come back as
	pointers to open arrays; the empty list is NIL (NEW traps on a length of 0). A solution may
	import this module; NewString copies a string into one.
*)

	TYPE
		IntList* = POINTER TO ARRAY OF INTEGER;
		RealList* = POINTER TO ARRAY OF REAL;
		BoolList* = POINTER TO ARRAY OF BOOLEAN;
		String* = POINTER TO ARRAY OF CHAR;
		StringList* = POINTER TO ARRAY OF String;

	PROCEDURE NewString* (IN s: ARRAY OF CHAR): String;
		VAR r: String;
	BEGIN
		NEW(r, LEN(s$) + 1); r^ := s$;
		RETURN r
	END NewString;

END BenchTypes.
