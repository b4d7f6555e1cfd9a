MODULE BenchDrawView;

	IMPORT Fonts, Ports, Views;

	TYPE
		View* = POINTER TO RECORD (Views.View)
			label-: ARRAY 64 OF CHAR;
			color-: Ports.Color
		END;

	(* Takes (l, t, r, b) for the view's bounds, as a Paint(rect) handler would: it is only the part of
		the view to restore, so a partial restore draws the view shrunk into that part. *)
	PROCEDURE (v: View) Restore* (f: Views.Frame; l, t, r, b: INTEGER);
	BEGIN
		f.DrawRect(l, t, r, b, Ports.fill, v.color);
		f.DrawRect(l, t, r, b, f.dot, Ports.black);
		f.DrawString(l + 2 * Ports.mm, b - 2 * Ports.mm, Ports.black, v.label, Fonts.dir.Default())
	END Restore;

	PROCEDURE New* (IN label: ARRAY OF CHAR; color: Ports.Color): View;
		VAR v: View;
	BEGIN
		NEW(v); v.label := label$; v.color := color;
		RETURN v
	END New;

END BenchDrawView.
