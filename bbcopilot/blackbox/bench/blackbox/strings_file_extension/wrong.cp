MODULE BenchExtension;

	IMPORT Strings;

	(* Takes everything after the first dot: Find reports the first occurrence only. *)
	PROCEDURE Extension* (IN name: ARRAY OF CHAR; OUT ext: ARRAY OF CHAR);
		VAR pos: INTEGER;
	BEGIN
		Strings.Find(name, ".", 0, pos);
		IF pos < 0 THEN ext := ""
		ELSE Strings.Extract(name, pos + 1, LEN(name$) - pos - 1, ext); Strings.ToLower(ext, ext)
		END
	END Extension;

END BenchExtension.
